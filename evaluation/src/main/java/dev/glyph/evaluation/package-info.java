/**
 * Evaluation of a model folder beyond the MNIST test split: any labelled image folder as an extra test set
 * ({@link ImageFolder}, {@link Evaluation}), digits rendered from the machine's fonts ({@link FontDigits}) and the
 * MNIST test set under controlled shifts ({@link Corruption}), run together by {@link RobustnessSuite}. Results
 * are records ({@link EvaluationReport}, {@link ConfusionMatrix}, {@link ShiftReport}, {@link RobustnessReport})
 * that a {@link Scorecard} collects and writes as report.json, confusion.csv and errors.png.
 *
 * <pre>{@code
 * try (DigitClassifier c = DigitClassifier.open(Path.of("models/mnist/1"))) {
 *     EvaluationReport scans = Evaluation.ofFolder(c, Path.of("my-digits"));
 *     RobustnessReport r = RobustnessSuite.run(c, Datasets.ensure("mnist", Path.of("data/mnist")).test(),
 *             RobustnessOptions.defaults());
 * }
 * }</pre>
 */
package dev.glyph.evaluation;
