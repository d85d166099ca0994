/**
 * Glyph's trainer: the MnistNet architecture ({@link dev.glyph.trainer.MnistNet}), seeded and
 * resumable training on DJL's PyTorch engine ({@link dev.glyph.trainer.Trainer}) and access to
 * finished runs ({@link dev.glyph.trainer.TrainedRun}). The data sets it trains on come from the
 * {@code data} module ({@link dev.glyph.datasets.Datasets}).
 *
 * <pre>{@code
 * TrainResult r = Trainer.train(TrainConfig.builder(Path.of("data/mnist"), Path.of("runs/a")).build(),
 *         new TrainListener() { });
 * }</pre>
 */
package dev.glyph.trainer;
