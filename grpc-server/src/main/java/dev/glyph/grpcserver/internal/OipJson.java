package dev.glyph.grpcserver.internal;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.google.protobuf.ByteString;
import dev.glyph.proto.inference.InferParameter;
import dev.glyph.proto.inference.InferTensorContents;
import dev.glyph.proto.inference.ModelInferRequest;
import dev.glyph.proto.inference.ModelInferResponse;
import dev.glyph.proto.inference.ModelMetadataResponse;
import dev.glyph.proto.inference.ModelRepositoryParameter;
import dev.glyph.proto.inference.RepositoryIndexResponse;
import dev.glyph.proto.inference.ServerMetadataResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON of the Open Inference Protocol's HTTP/REST API (KServe predict v2, and Triton's repository extension),
 * converted to and from the protocol-neutral {@code inference} protos that {@code OipCore} serves, so that REST and
 * gRPC share one set of semantics.
 *
 * <pre>{@code
 * ModelInferRequest req = OipJson.inferRequest(body, "mnist", "");   // BadRequestException naming the field
 * byte[] json = OipJson.inferResponse(core.infer(req).join());
 * }</pre>
 *
 * <p>Requests are read with a streaming parser straight into the proto (no tree of boxed numbers), with nesting,
 * number and string lengths bounded. Tensor {@code data} may be flat or nested exactly as {@code shape}; its
 * elements are converted by {@code datatype} (numbers for the numeric types, {@code true}/{@code false} for BOOL,
 * for BYTES base64 strings or {@code {"b64": "..."}} objects, or plain UTF-8 text when the input's parameters say
 * {@code "content_type": "str"}). Every problem is a {@link BadRequestException} whose message names the field
 * (e.g. {@code inputs[0] 'image': shape [1,1,28,28] holds 784 elements; data has 783}); malformed JSON names the
 * line and column.
 *
 * <p>Thread-safety: stateless; all methods are thread-safe.
 */
public final class OipJson {

    /** Deepest data nesting accepted (a tensor of rank 32). */
    public static final int MAX_RANK = 32;
    private static final List<String> DATATYPES = List.of("BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8",
            "INT16", "INT32", "INT64", "FP16", "FP32", "FP64", "BF16", "BYTES");
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_RANK + 8)
                    .maxNumberLength(400).build())
            .build();

    private OipJson() {
    }

    // ------------------------------------------------------------------------------------------- requests

    /**
     * Reads an inference request body into a {@link ModelInferRequest} for {@code model}/{@code version} (from the
     * URL; {@code ""} = the server's choice).
     *
     * @throws BadRequestException if the body is not JSON, not an inference request, or a tensor's data does not
     *     fit its shape and datatype; the message names the field
     */
    public static ModelInferRequest inferRequest(byte[] body, String model, String version) {
        ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName(model).setModelVersion(version);
        try (JsonParser p = parser(body)) {
            expectObjectStart(p, "the request body", "an inference request object {\"inputs\": [...]}");
            boolean inputs = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "id" -> b.setId(string(p, t, "id"));
                    case "parameters" -> {
                        Map<String, InferParameter> params = parameters(p, t, "parameters");
                        refuseBinary(params, "binary_data_output", "parameters");
                        b.putAllParameters(params);
                    }
                    case "inputs" -> {
                        expect(p, t, JsonToken.START_ARRAY, "inputs", "an array of input tensors");
                        int i = 0;
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            b.addInputs(input(p, "inputs[" + i + "]"));
                            i++;
                        }
                        inputs = true;
                    }
                    case "outputs" -> {
                        expect(p, t, JsonToken.START_ARRAY, "outputs", "an array of {\"name\": ...} objects");
                        int i = 0;
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            b.addOutputs(output(p, "outputs[" + i + "]"));
                            i++;
                        }
                    }
                    default -> throw new BadRequestException("unknown field '" + field + "' in the inference request;"
                            + " expected id, parameters, inputs, outputs");
                }
            }
            end(p);
            if (!inputs) {
                throw new BadRequestException("the inference request has no 'inputs'; expected {\"inputs\": [{\"name\": "
                        + "..., \"shape\": [...], \"datatype\": ..., \"data\": [...]}]}");
            }
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen on a byte array
        }
        return b.build();
    }

    /** Reads a repository index body {@code {"ready": bool}} (optional; an empty body = all models). */
    public static boolean indexReady(byte[] body) {
        boolean[] ready = {false};
        readOptionalObject(body, "the repository index request", "{\"ready\": true|false}", (p, field, t) -> {
            if (!field.equals("ready")) {
                throw new BadRequestException("unknown field '" + field + "' in the repository index request; expected"
                        + " ready");
            }
            if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
                throw new BadRequestException("ready: expected true or false, found " + describe(p, t));
            }
            ready[0] = t == JsonToken.VALUE_TRUE;
        });
        return ready[0];
    }

    /** Reads a repository load/unload body {@code {"parameters": {...}}} (optional, may be empty). */
    public static Map<String, ModelRepositoryParameter> repositoryParameters(byte[] body, String what) {
        Map<String, ModelRepositoryParameter> out = new LinkedHashMap<>();
        readOptionalObject(body, "the repository " + what + " request", "{\"parameters\": {...}}", (p, field, t) -> {
            if (!field.equals("parameters")) {
                throw new BadRequestException("unknown field '" + field + "' in the repository " + what + " request;"
                        + " expected parameters");
            }
            parameters(p, t, "parameters").forEach((k, v) -> out.put(k, switch (v.getParameterChoiceCase()) {
                case BOOL_PARAM -> ModelRepositoryParameter.newBuilder().setBoolParam(v.getBoolParam()).build();
                case INT64_PARAM -> ModelRepositoryParameter.newBuilder().setInt64Param(v.getInt64Param()).build();
                default -> ModelRepositoryParameter.newBuilder().setStringParam(v.getStringParam()).build();
            }));
        });
        return out;
    }

    @FunctionalInterface
    private interface FieldReader {
        void read(JsonParser p, String field, JsonToken value) throws IOException;
    }

    private static void readOptionalObject(byte[] body, String what, String expected, FieldReader fields) {
        if (isBlank(body)) {
            return;
        }
        try (JsonParser p = parser(body)) {
            expectObjectStart(p, what, expected);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                fields.read(p, field, p.nextToken());
            }
            end(p);
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isBlank(byte[] body) {
        for (byte c : body) {
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                return false;
            }
        }
        return true;
    }

    private static JsonParser parser(byte[] body) throws IOException {
        return JSON.createParser(body);
    }

    private static void expectObjectStart(JsonParser p, String what, String expected) throws IOException {
        JsonToken t = p.nextToken();
        if (t == null) {
            throw new BadRequestException(what + " is empty; expected " + expected);
        }
        if (t != JsonToken.START_OBJECT) {
            throw new BadRequestException(what + " is " + describe(p, t) + "; expected " + expected);
        }
    }

    /** After the top-level object: only whitespace may follow. */
    private static void end(JsonParser p) throws IOException {
        JsonToken t = p.nextToken();
        if (t != null) {
            JsonLocation l = p.currentTokenLocation();
            throw new BadRequestException("malformed JSON at line " + l.getLineNr() + ", column " + l.getColumnNr()
                    + ": " + describe(p, t) + " after the end of the top-level object");
        }
    }

    private static BadRequestException malformed(JsonProcessingException e) {
        JsonLocation l = e.getLocation();
        String where = l == null ? "" : " at line " + l.getLineNr() + ", column " + l.getColumnNr();
        String msg = e.getOriginalMessage();
        int nl = msg == null ? -1 : msg.indexOf('\n');
        return new BadRequestException("malformed JSON" + where + ": " + (nl >= 0 ? msg.substring(0, nl) : msg));
    }

    private static ModelInferRequest.InferInputTensor input(JsonParser p, String at) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new BadRequestException(at + ": expected an input tensor object, found " + describe(p, p.currentToken()));
        }
        ModelInferRequest.InferInputTensor.Builder b = ModelInferRequest.InferInputTensor.newBuilder();
        long[] shape = null;
        Data data = null;
        Map<String, InferParameter> params = Map.of();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            switch (field) {
                case "name" -> {
                    b.setName(string(p, t, at + ".name"));
                    at = at + " '" + b.getName() + "'";
                }
                case "datatype" -> b.setDatatype(string(p, t, at + ".datatype"));
                case "shape" -> shape = shape(p, t, at + ".shape");
                case "parameters" -> params = parameters(p, t, at + ".parameters");
                case "data" -> {
                    expect(p, t, JsonToken.START_ARRAY, at + ".data", "an array of tensor elements (flat or nested)");
                    data = new Data(at);
                    data.array(p, 0);
                }
                default -> throw new BadRequestException(at + ": unknown field '" + field + "'; expected name, shape,"
                        + " datatype, parameters, data");
            }
        }
        if (b.getName().isEmpty()) {
            throw new BadRequestException(at + ": no 'name'; expected the model input's name (see GET /v2/models/{name})");
        }
        if (b.getDatatype().isEmpty()) {
            throw new BadRequestException(at + ": no 'datatype'; expected one of " + DATATYPES);
        }
        if (!DATATYPES.contains(b.getDatatype())) {
            throw new BadRequestException(at + ".datatype: '" + b.getDatatype() + "' is not a tensor datatype; expected"
                    + " one of " + DATATYPES);
        }
        if (shape == null) {
            throw new BadRequestException(at + ": no 'shape'; expected an array of sizes, e.g. [1, 1, 28, 28]");
        }
        if (data == null) {
            throw new BadRequestException(at + ": no 'data'; expected the tensor's elements as a JSON array (this server"
                    + " does not implement the binary tensor data extension)");
        }
        boolean utf8 = false;
        InferParameter ct = params.get("content_type");
        if (ct != null && "BYTES".equals(b.getDatatype())) {
            if (ct.getParameterChoiceCase() != InferParameter.ParameterChoiceCase.STRING_PARAM
                    || !(ct.getStringParam().equals("str") || ct.getStringParam().equals("base64"))) {
                throw new BadRequestException(at + ".parameters.content_type: " + text(ct) + "; expected \"base64\" (the"
                        + " default: BYTES strings are base64) or \"str\" (BYTES strings are UTF-8 text)");
            }
            utf8 = ct.getStringParam().equals("str");
            params = new LinkedHashMap<>(params);
            params.remove("content_type");
        }
        refuseBinary(params, "binary_data_size", at + ".parameters");
        for (long d : shape) {
            b.addShape(d);
        }
        b.putAllParameters(params);
        data.at = at;
        b.setContents(data.contents(b.getDatatype(), shape, utf8));
        return b.build();
    }

    private static ModelInferRequest.InferRequestedOutputTensor output(JsonParser p, String at) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new BadRequestException(at + ": expected {\"name\": ...}, found " + describe(p, p.currentToken()));
        }
        ModelInferRequest.InferRequestedOutputTensor.Builder b = ModelInferRequest.InferRequestedOutputTensor.newBuilder();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            switch (field) {
                case "name" -> b.setName(string(p, t, at + ".name"));
                case "parameters" -> {
                    Map<String, InferParameter> params = parameters(p, t, at + ".parameters");
                    refuseBinary(params, "binary_data", at + ".parameters");
                    b.putAllParameters(params);
                }
                default -> throw new BadRequestException(at + ": unknown field '" + field + "'; expected name, parameters");
            }
        }
        if (b.getName().isEmpty()) {
            throw new BadRequestException(at + ": no 'name'; expected a model output's name (see GET /v2/models/{name})");
        }
        return b.build();
    }

    /** Triton's binary tensor data extension is not served: refuse {@code key: true}, drop {@code key: false}. */
    private static void refuseBinary(Map<String, InferParameter> params, String key, String at) {
        InferParameter v = params.get(key);
        if (v == null) {
            return;
        }
        if (v.getParameterChoiceCase() == InferParameter.ParameterChoiceCase.BOOL_PARAM && !v.getBoolParam()) {
            params.remove(key);
            return;
        }
        if (key.equals("binary_data_size")) {
            throw new BadRequestException(at + "." + key + ": this server does not implement the binary tensor data"
                    + " extension; send the tensor's elements in 'data'");
        }
        throw new BadRequestException(at + "." + key + ": " + text(v) + "; this server does not implement the binary"
                + " tensor data extension, expected false or no " + key);
    }

    private static String string(JsonParser p, JsonToken t, String at) throws IOException {
        if (t != JsonToken.VALUE_STRING) {
            throw new BadRequestException(at + ": expected a string, found " + describe(p, t));
        }
        return p.getText();
    }

    private static void expect(JsonParser p, JsonToken t, JsonToken want, String at, String expected) throws IOException {
        if (t != want) {
            throw new BadRequestException(at + ": expected " + expected + ", found " + describe(p, t));
        }
    }

    private static long[] shape(JsonParser p, JsonToken t, String at) throws IOException {
        expect(p, t, JsonToken.START_ARRAY, at, "an array of sizes, e.g. [1, 1, 28, 28]");
        long[] out = new long[4];
        int n = 0;
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
            String where = at + "[" + n + "]";
            if (e != JsonToken.VALUE_NUMBER_INT) {
                throw new BadRequestException(where + ": expected a size (an integer >= 0), found " + describe(p, e));
            }
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw new BadRequestException(where + ": " + p.getText() + " is too large; expected a size < 2^63");
            }
            long d = p.getLongValue();
            if (d < 0) {
                throw new BadRequestException(where + ": " + d + "; expected a size >= 0 (-1 marks a variable size in"
                        + " model metadata, a request gives the real size)");
            }
            if (n == MAX_RANK) {
                throw new BadRequestException(at + ": more than " + MAX_RANK + " dimensions");
            }
            if (n == out.length) {
                out = Arrays.copyOf(out, out.length * 2);
            }
            out[n++] = d;
        }
        return Arrays.copyOf(out, n);
    }

    private static Map<String, InferParameter> parameters(JsonParser p, JsonToken t, String at) throws IOException {
        expect(p, t, JsonToken.START_OBJECT, at, "an object of name: string | integer | boolean");
        Map<String, InferParameter> out = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            String where = at + "." + name;
            InferParameter.Builder b = InferParameter.newBuilder();
            switch (v) {
                case VALUE_TRUE, VALUE_FALSE -> b.setBoolParam(v == JsonToken.VALUE_TRUE);
                case VALUE_STRING -> b.setStringParam(p.getText());
                case VALUE_NUMBER_INT -> {
                    if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                        throw new BadRequestException(where + ": " + p.getText() + " is out of the int64 range");
                    }
                    b.setInt64Param(p.getLongValue());
                }
                case VALUE_NUMBER_FLOAT -> throw new BadRequestException(where + ": " + p.getText() + " is a fraction;"
                        + " parameters here are strings, integers or booleans");
                default -> throw new BadRequestException(where + ": expected a string, number or boolean, found "
                        + describe(p, v));
            }
            out.put(name, b.build());
        }
        return out;
    }

    private static String text(InferParameter v) {
        return switch (v.getParameterChoiceCase()) {
            case BOOL_PARAM -> Boolean.toString(v.getBoolParam());
            case INT64_PARAM -> Long.toString(v.getInt64Param());
            case STRING_PARAM -> "\"" + v.getStringParam() + "\"";
            default -> v.toString().strip();
        };
    }

    /** Names a token for messages: {@code a string}, {@code the number 1.5}, {@code an object}... */
    private static String describe(JsonParser p, JsonToken t) throws IOException {
        if (t == null) {
            return "the end of the body";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + abbreviate(p.getText());
            case VALUE_TRUE, VALUE_FALSE -> "the boolean " + p.getText();
            case VALUE_NULL -> "null";
            default -> t.asString() == null ? t.name() : "'" + t.asString() + "'";
        };
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }

    /**
     * One tensor's data as read: the elements in row-major order (numbers as long bits, with a flag for fractions;
     * booleans as 0/1; strings) and the nesting seen, checked against the shape and converted once the whole input
     * object (whose datatype may come after its data) has been read.
     */
    private static final class Data {
        private static final int NONE = 0;
        private static final int NUMBER = 1;
        private static final int BOOL = 2;
        private static final int STRING = 3;

        private String at;
        private int kind = NONE;
        private long[] values = new long[64];
        private final BitSet fraction = new BitSet();
        private final List<String> strings = new ArrayList<>();
        private final BitSet b64Object = new BitSet();
        private int n;
        /** Length of the arrays at each depth (the first one seen), -1 until seen. */
        private final int[] lengths = new int[MAX_RANK];
        private int depth;
        private int leafDepth = -1;

        Data(String at) {
            this.at = at;
            Arrays.fill(lengths, -1);
        }

        /** Reads the array whose START_ARRAY is the current token, at nesting {@code d} (0 = data itself). */
        void array(JsonParser p, int d) throws IOException {
            if (d >= MAX_RANK) {
                throw new BadRequestException(at + ".data: nested deeper than " + MAX_RANK + " levels");
            }
            depth = Math.max(depth, d + 1);
            int count = 0;
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                if (t == JsonToken.START_ARRAY) {
                    if (leafDepth == d) {
                        throw mixed(d);
                    }
                    array(p, d + 1);
                } else {
                    if (leafDepth == -1) {
                        leafDepth = d;
                    } else if (leafDepth != d) {
                        throw mixed(Math.min(leafDepth, d));
                    }
                    element(p, t);
                }
                count++;
            }
            if (lengths[d] == -1) {
                lengths[d] = count;
            } else if (lengths[d] != count) {
                throw new BadRequestException(at + ".data: ragged nesting: arrays at depth " + (d + 1) + " have "
                        + lengths[d] + " and " + count + " elements; expected a flat array or arrays nested as the"
                        + " shape");
            }
        }

        private BadRequestException mixed(int d) {
            return new BadRequestException(at + ".data: mixes arrays and elements at depth " + (d + 1) + "; expected a"
                    + " flat array or arrays nested as the shape");
        }

        private void element(JsonParser p, JsonToken t) throws IOException {
            int k;
            switch (t) {
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                    k = NUMBER;
                    grow();
                    if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
                        values[n] = p.getLongValue();
                    } else {
                        values[n] = Double.doubleToRawLongBits(p.getDoubleValue());
                        fraction.set(n);
                    }
                }
                case VALUE_TRUE, VALUE_FALSE -> {
                    k = BOOL;
                    grow();
                    values[n] = t == JsonToken.VALUE_TRUE ? 1 : 0;
                }
                case VALUE_STRING -> {
                    k = STRING;
                    strings.add(p.getText());
                }
                case START_OBJECT -> {
                    k = STRING;
                    String s = null;
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String f = p.currentName();
                        JsonToken v = p.nextToken();
                        if (!f.equals("b64") || v != JsonToken.VALUE_STRING) {
                            throw new BadRequestException(at + ".data[" + n + "]: an object element must be"
                                    + " {\"b64\": \"<base64>\"}; found field '" + f + "' with " + describe(p, v));
                        }
                        s = p.getText();
                    }
                    if (s == null) {
                        throw new BadRequestException(at + ".data[" + n + "]: an object element must be"
                                + " {\"b64\": \"<base64>\"}; found an empty object");
                    }
                    b64Object.set(n);
                    strings.add(s);
                }
                default -> throw new BadRequestException(at + ".data[" + n + "]: found " + describe(p, t)
                        + "; expected a number, boolean or string element");
            }
            if (kind == NONE) {
                kind = k;
            } else if (kind != k) {
                throw new BadRequestException(at + ".data[" + n + "]: " + describe(p, t) + " among " + kindName(kind)
                        + "; a tensor's elements are all of one type");
            }
            n++;
        }

        private static String kindName(int k) {
            return switch (k) {
                case NUMBER -> "numbers";
                case BOOL -> "booleans";
                default -> "strings";
            };
        }

        private void grow() {
            if (n == values.length) {
                values = Arrays.copyOf(values, values.length * 2);
            }
        }

        InferTensorContents contents(String datatype, long[] shape, boolean utf8) {
            checkShape(shape);
            InferTensorContents.Builder c = InferTensorContents.newBuilder();
            if (n == 0) {
                return c.build();
            }
            switch (datatype) {
                case "FP32" -> {
                    need(NUMBER, datatype, "numbers");
                    for (int i = 0; i < n; i++) {
                        double d = number(i);
                        float f = (float) d;
                        if (Float.isInfinite(f)) {
                            throw new BadRequestException(at + ".data[" + i + "]: " + d + " is out of the FP32 range");
                        }
                        c.addFp32Contents(f);
                    }
                }
                case "FP64" -> {
                    need(NUMBER, datatype, "numbers");
                    for (int i = 0; i < n; i++) {
                        c.addFp64Contents(number(i));
                    }
                }
                case "BOOL" -> {
                    need(BOOL, datatype, "true or false");
                    for (int i = 0; i < n; i++) {
                        c.addBoolContents(values[i] != 0);
                    }
                }
                case "INT8" -> ints(c, datatype, Byte.MIN_VALUE, Byte.MAX_VALUE);
                case "INT16" -> ints(c, datatype, Short.MIN_VALUE, Short.MAX_VALUE);
                case "INT32" -> ints(c, datatype, Integer.MIN_VALUE, Integer.MAX_VALUE);
                case "UINT8" -> ints(c, datatype, 0, 255);
                case "UINT16" -> ints(c, datatype, 0, 65535);
                case "UINT32" -> ints(c, datatype, 0, 0xFFFF_FFFFL);
                case "INT64" -> ints(c, datatype, Long.MIN_VALUE, Long.MAX_VALUE);
                case "UINT64" -> ints(c, datatype, 0, Long.MAX_VALUE);
                case "BYTES" -> {
                    need(STRING, datatype, "strings (base64, or UTF-8 text with \"content_type\": \"str\")");
                    for (int i = 0; i < n; i++) {
                        c.addBytesContents(bytes(i, utf8 && !b64Object.get(i)));
                    }
                }
                default -> throw new BadRequestException(at + ": datatype " + datatype + " has no JSON representation"
                        + " (there is no standard JSON number for half precision); send FP32");
            }
            return c.build();
        }

        private void checkShape(long[] shape) {
            long elements = 1;
            for (long d : shape) {
                try {
                    elements = Math.multiplyExact(elements, d);
                } catch (ArithmeticException e) {
                    throw new BadRequestException(at + ": shape " + Arrays.toString(shape) + " holds more than 2^63"
                            + " elements");
                }
            }
            String shapeText = Arrays.toString(shape).replace(" ", "");
            if (depth <= 1) {
                if (n != elements) {
                    throw new BadRequestException(at + ": shape " + shapeText + " holds " + elements + " elements; data"
                            + " has " + n);
                }
                return;
            }
            int[] seen = Arrays.copyOf(lengths, depth);
            boolean match = depth == shape.length;
            for (int i = 0; match && i < depth; i++) {
                match = seen[i] == shape[i];
            }
            if (match && (leafDepth != -1 && leafDepth != depth - 1 || n != elements)) {
                throw mixed(leafDepth);
            }
            if (!match) {
                throw new BadRequestException(at + ".data: nested as " + Arrays.toString(seen).replace(" ", "")
                        + "; expected nesting as the shape " + shapeText + " or a flat array of " + elements
                        + " elements");
            }
        }

        private void need(int k, String datatype, String what) {
            if (kind != k) {
                throw new BadRequestException(at + ".data: elements are " + kindName(kind) + "; datatype " + datatype
                        + " takes " + what);
            }
        }

        private double number(int i) {
            return fraction.get(i) ? Double.longBitsToDouble(values[i]) : (double) values[i];
        }

        private void ints(InferTensorContents.Builder c, String datatype, long min, long max) {
            need(NUMBER, datatype, "integers " + min + ".." + max);
            for (int i = 0; i < n; i++) {
                long v;
                if (fraction.get(i)) {
                    double d = Double.longBitsToDouble(values[i]);
                    if (d != Math.rint(d) || d < min || d > max) {
                        throw new BadRequestException(at + ".data[" + i + "]: " + d + " is not an integer in " + min + ".."
                                + max + " (" + datatype + ")");
                    }
                    v = (long) d;
                } else {
                    v = values[i];
                }
                if (v < min || v > max) {
                    throw new BadRequestException(at + ".data[" + i + "]: " + v + " is out of the " + datatype + " range "
                            + min + ".." + max);
                }
                switch (datatype) {
                    case "INT64" -> c.addInt64Contents(v);
                    case "UINT64" -> c.addUint64Contents(v);
                    case "UINT8", "UINT16", "UINT32" -> c.addUintContents((int) v);
                    default -> c.addIntContents((int) v);
                }
            }
        }

        private ByteString bytes(int i, boolean utf8) {
            String s = strings.get(i);
            if (utf8) {
                return ByteString.copyFromUtf8(s);
            }
            try {
                return ByteString.copyFrom(Base64.getDecoder().decode(s));
            } catch (IllegalArgumentException e) {
                try {
                    return ByteString.copyFrom(Base64.getUrlDecoder().decode(s));
                } catch (IllegalArgumentException e2) {
                    throw new BadRequestException(at + ".data[" + i + "]: not base64 (" + e.getMessage() + "); BYTES"
                            + " elements are base64 strings, or UTF-8 text with \"parameters\": {\"content_type\":"
                            + " \"str\"}");
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------- responses

    /** Writes {@code {"error": message}}. */
    public static byte[] error(String message) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("error", message == null ? "" : message);
            g.writeEndObject();
        });
    }

    /** Writes the inference response: model_name, model_version, id (when given), parameters, outputs. */
    public static byte[] inferResponse(ModelInferResponse r) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("model_name", r.getModelName());
            if (!r.getModelVersion().isEmpty()) {
                g.writeStringField("model_version", r.getModelVersion());
            }
            if (!r.getId().isEmpty()) {
                g.writeStringField("id", r.getId());
            }
            if (r.getParametersCount() > 0) {
                g.writeFieldName("parameters");
                parameters(g, r.getParametersMap());
            }
            g.writeArrayFieldStart("outputs");
            for (int i = 0; i < r.getOutputsCount(); i++) {
                ModelInferResponse.InferOutputTensor o = r.getOutputs(i);
                g.writeStartObject();
                g.writeStringField("name", o.getName());
                g.writeStringField("datatype", o.getDatatype());
                g.writeArrayFieldStart("shape");
                for (long d : o.getShapeList()) {
                    g.writeNumber(d);
                }
                g.writeEndArray();
                if (o.getParametersCount() > 0) {
                    g.writeFieldName("parameters");
                    parameters(g, o.getParametersMap());
                }
                g.writeFieldName("data");
                if (i < r.getRawOutputContentsCount()) {
                    raw(g, o, r.getRawOutputContents(i));
                } else {
                    contents(g, o.getDatatype(), o.getContents());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    private static void parameters(JsonGenerator g, Map<String, InferParameter> params) throws IOException {
        g.writeStartObject();
        for (Map.Entry<String, InferParameter> e : params.entrySet()) {
            InferParameter v = e.getValue();
            g.writeFieldName(e.getKey());
            switch (v.getParameterChoiceCase()) {
                case BOOL_PARAM -> g.writeBoolean(v.getBoolParam());
                case INT64_PARAM -> g.writeNumber(v.getInt64Param());
                case STRING_PARAM -> g.writeString(v.getStringParam());
                default -> g.writeNull();
            }
        }
        g.writeEndObject();
    }

    private static void contents(JsonGenerator g, String datatype, InferTensorContents c) throws IOException {
        g.writeStartArray();
        switch (datatype) {
            case "FP32" -> {
                for (float f : c.getFp32ContentsList()) {
                    g.writeNumber(f);
                }
            }
            case "FP64" -> {
                for (double d : c.getFp64ContentsList()) {
                    g.writeNumber(d);
                }
            }
            case "BOOL" -> {
                for (boolean b : c.getBoolContentsList()) {
                    g.writeBoolean(b);
                }
            }
            case "INT8", "INT16", "INT32" -> {
                for (int v : c.getIntContentsList()) {
                    g.writeNumber(v);
                }
            }
            case "UINT8", "UINT16", "UINT32" -> {
                for (int v : c.getUintContentsList()) {
                    g.writeNumber(Integer.toUnsignedLong(v));
                }
            }
            case "INT64" -> {
                for (long v : c.getInt64ContentsList()) {
                    g.writeNumber(v);
                }
            }
            case "UINT64" -> {
                for (long v : c.getUint64ContentsList()) {
                    g.writeNumber(Long.toUnsignedString(v));
                }
            }
            case "BYTES" -> {
                for (ByteString b : c.getBytesContentsList()) {
                    bytesElement(g, b.toByteArray());
                }
            }
            default -> {
                // a datatype without a typed field (FP16, BF16): nothing can be written as JSON numbers
            }
        }
        g.writeEndArray();
    }

    /** Writes one raw (little-endian, Triton's layout) output tensor as JSON elements. */
    private static void raw(JsonGenerator g, ModelInferResponse.InferOutputTensor o, ByteString raw) throws IOException {
        ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        g.writeStartArray();
        switch (o.getDatatype()) {
            case "FP32" -> {
                while (b.remaining() >= 4) {
                    g.writeNumber(b.getFloat());
                }
            }
            case "FP64" -> {
                while (b.remaining() >= 8) {
                    g.writeNumber(b.getDouble());
                }
            }
            case "INT64" -> {
                while (b.remaining() >= 8) {
                    g.writeNumber(b.getLong());
                }
            }
            case "UINT64" -> {
                while (b.remaining() >= 8) {
                    g.writeNumber(Long.toUnsignedString(b.getLong()));
                }
            }
            case "INT32" -> {
                while (b.remaining() >= 4) {
                    g.writeNumber(b.getInt());
                }
            }
            case "UINT32" -> {
                while (b.remaining() >= 4) {
                    g.writeNumber(Integer.toUnsignedLong(b.getInt()));
                }
            }
            case "INT16" -> {
                while (b.remaining() >= 2) {
                    g.writeNumber(b.getShort());
                }
            }
            case "UINT16" -> {
                while (b.remaining() >= 2) {
                    g.writeNumber(Short.toUnsignedInt(b.getShort()));
                }
            }
            case "INT8" -> {
                while (b.hasRemaining()) {
                    g.writeNumber(b.get());
                }
            }
            case "UINT8" -> {
                while (b.hasRemaining()) {
                    g.writeNumber(Byte.toUnsignedInt(b.get()));
                }
            }
            case "BOOL" -> {
                while (b.hasRemaining()) {
                    g.writeBoolean(b.get() != 0);
                }
            }
            case "BYTES" -> {
                while (b.remaining() >= 4) {
                    int len = b.getInt();
                    if (len < 0 || len > b.remaining()) {
                        break;
                    }
                    byte[] e = new byte[len];
                    b.get(e);
                    bytesElement(g, e);
                }
            }
            default -> {
                // FP16/BF16: no JSON representation
            }
        }
        g.writeEndArray();
    }

    /** A BYTES element: a string when it is UTF-8 text, else {@code {"b64": "..."}}. */
    private static void bytesElement(JsonGenerator g, byte[] b) throws IOException {
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
            g.writeString(s);
        } catch (CharacterCodingException e) {
            g.writeStartObject();
            g.writeStringField("b64", Base64.getEncoder().encodeToString(b));
            g.writeEndObject();
        }
    }

    /** Writes the server metadata: name, version, extensions. */
    public static byte[] serverMetadata(ServerMetadataResponse r) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("name", r.getName());
            g.writeStringField("version", r.getVersion());
            g.writeArrayFieldStart("extensions");
            for (String e : r.getExtensionsList()) {
                g.writeString(e);
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /** Writes the model metadata: name, versions, platform, inputs and outputs ({name, datatype, shape}), parameters. */
    public static byte[] modelMetadata(ModelMetadataResponse r) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("name", r.getName());
            g.writeArrayFieldStart("versions");
            for (String v : r.getVersionsList()) {
                g.writeString(v);
            }
            g.writeEndArray();
            g.writeStringField("platform", r.getPlatform());
            tensors(g, "inputs", r.getInputsList());
            tensors(g, "outputs", r.getOutputsList());
            if (r.getParametersCount() > 0) {
                g.writeFieldName("parameters");
                parameters(g, r.getParametersMap());
            }
            g.writeEndObject();
        });
    }

    private static void tensors(JsonGenerator g, String field, List<ModelMetadataResponse.TensorMetadata> ts)
            throws IOException {
        g.writeArrayFieldStart(field);
        for (ModelMetadataResponse.TensorMetadata t : ts) {
            g.writeStartObject();
            g.writeStringField("name", t.getName());
            g.writeStringField("datatype", t.getDatatype());
            g.writeArrayFieldStart("shape");
            for (long d : t.getShapeList()) {
                g.writeNumber(d);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** Writes the repository index: an array of {name, version, state, reason}. */
    public static byte[] repositoryIndex(RepositoryIndexResponse r) {
        return write(g -> {
            g.writeStartArray();
            for (RepositoryIndexResponse.ModelIndex m : r.getModelsList()) {
                g.writeStartObject();
                g.writeStringField("name", m.getName());
                if (!m.getVersion().isEmpty()) {
                    g.writeStringField("version", m.getVersion());
                }
                g.writeStringField("state", m.getState());
                g.writeStringField("reason", m.getReason());
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    @FunctionalInterface
    private interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] write(Writer w) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            w.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen on a byte array
        }
        return out.toByteArray();
    }
}
