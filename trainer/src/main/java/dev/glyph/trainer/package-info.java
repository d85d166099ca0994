/**
 * Glyph's trainer: the MnistNet architecture ({@link dev.glyph.trainer.MnistNet}), seeded and
 * resumable training on DJL's PyTorch engine ({@link dev.glyph.trainer.Trainer}), access to finished
 * runs ({@link dev.glyph.trainer.TrainedRun}), and evaluation on the PyTorch engine of trained weights
 * ({@link dev.glyph.trainer.DjlModel}) and of TorchScript files ({@link dev.glyph.trainer.TorchScriptModel}).
 * The data sets it trains on come from the {@code datasets} module ({@link dev.glyph.datasets.Datasets}).
 * No engine exception crosses this API.
 *
 * <pre>{@code
 * TrainResult r = Trainer.train(TrainConfig.builder(Path.of("data/mnist"), Path.of("runs/a")).build(),
 *         new TrainListener() { });
 * }</pre>
 */
package dev.glyph.trainer;
