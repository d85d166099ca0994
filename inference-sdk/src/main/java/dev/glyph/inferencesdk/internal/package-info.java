/**
 * Implementation of the inference SDK (the model folder is read through dev.glyph.modelformat): pre- and
 * post-processing, provider
 * selection and the ONNX Runtime session wrapper. Not an API; may change without notice.
 */
package dev.glyph.inferencesdk.internal;
