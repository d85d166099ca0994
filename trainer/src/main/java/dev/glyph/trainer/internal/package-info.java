/**
 * Implementation of the trainer, not a public API. Sub-packages by concept: {@code engine} (the only
 * use of DJL's undocumented JNI), {@code model}, {@code optim}, {@code loop}, {@code checkpoint},
 * {@code run} and {@code plot}.
 */
package dev.glyph.trainer.internal;
