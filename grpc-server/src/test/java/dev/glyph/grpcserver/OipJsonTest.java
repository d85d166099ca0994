package dev.glyph.grpcserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.glyph.grpcserver.internal.BadRequestException;
import dev.glyph.grpcserver.internal.OipJson;
import dev.glyph.proto.inference.InferParameter;
import dev.glyph.proto.inference.InferTensorContents;
import dev.glyph.proto.inference.ModelInferRequest;
import dev.glyph.proto.inference.ModelInferResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The REST JSON <-> inference proto conversion, on real request bodies (no server). */
class OipJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ModelInferRequest parse(String body) {
        return OipJson.inferRequest(body.getBytes(StandardCharsets.UTF_8), "mnist", "");
    }

    private static String refused(String body) {
        return assertThrows(BadRequestException.class, () -> parse(body)).getMessage();
    }

    private static String flat(int n, String element) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append(element);
        }
        return b.append(']').toString();
    }

    @Test
    void inferRequest_flatFp32_typedContentsShapeIdAndOutputs() {
        ModelInferRequest r = parse("{\"id\":\"a-1\",\"inputs\":[{\"name\":\"image\",\"shape\":[1,1,28,28],"
                + "\"datatype\":\"FP32\",\"data\":" + flat(784, "0.5") + "}],\"outputs\":[{\"name\":\"label\"}],"
                + "\"parameters\":{\"k\":3,\"s\":\"x\",\"b\":true}}");
        assertEquals("mnist", r.getModelName());
        assertEquals("a-1", r.getId());
        assertEquals(List.of(1L, 1L, 28L, 28L), r.getInputs(0).getShapeList());
        assertEquals(784, r.getInputs(0).getContents().getFp32ContentsCount());
        assertEquals(0.5f, r.getInputs(0).getContents().getFp32Contents(783));
        assertEquals("label", r.getOutputs(0).getName());
        assertEquals(3, r.getParametersOrThrow("k").getInt64Param());
        assertEquals("x", r.getParametersOrThrow("s").getStringParam());
        assertTrue(r.getParametersOrThrow("b").getBoolParam());
    }

    @Test
    void inferRequest_nestedAsShapeAndDatatypeAfterData_sameAsFlat() {
        ModelInferRequest nested = parse("{\"inputs\":[{\"data\":[[[1,2,3],[4,5,6]]],\"name\":\"x\",\"shape\":[1,2,3],"
                + "\"datatype\":\"UINT8\"}]}");
        ModelInferRequest flat = parse("{\"inputs\":[{\"name\":\"x\",\"shape\":[1,2,3],\"datatype\":\"UINT8\","
                + "\"data\":[1,2,3,4,5,6]}]}");
        assertEquals(flat, nested);
        assertEquals(List.of(1, 2, 3, 4, 5, 6), nested.getInputs(0).getContents().getUintContentsList());
    }

    @Test
    void inferRequest_nestingNotAsShape_namesTensorAndBothShapes() {
        String m = refused("{\"inputs\":[{\"name\":\"image\",\"shape\":[1,2,3],\"datatype\":\"FP32\","
                + "\"data\":[[1,2],[3,4],[5,6]]}]}");
        assertEquals("inputs[0] 'image'.data: nested as [3,2]; expected nesting as the shape [1,2,3] or a flat array of"
                + " 6 elements", m);
    }

    @Test
    void inferRequest_raggedOrMixedNesting_refusedNamingDepth() {
        assertTrue(refused("{\"inputs\":[{\"name\":\"x\",\"shape\":[2,2],\"datatype\":\"FP32\",\"data\":[[1,2],[3]]}]}")
                .contains("'x'.data: ragged nesting: arrays at depth 2 have 2 and 1 elements"));
        assertTrue(refused("{\"inputs\":[{\"name\":\"x\",\"shape\":[2,2],\"datatype\":\"FP32\",\"data\":[[1,2],3]}]}")
                .contains("mixes arrays and elements at depth 1"));
        assertTrue(refused("{\"inputs\":[{\"name\":\"x\",\"shape\":[2,1,0],\"datatype\":\"FP32\",\"data\":[[[]],[1]]}]}")
                .contains("mixes arrays and elements"));
    }

    @Test
    void inferRequest_flatCountWrong_namesTensorCountAndShape() {
        assertEquals("inputs[0] 'image': shape [1,1,28,28] holds 784 elements; data has 783",
                refused("{\"inputs\":[{\"name\":\"image\",\"shape\":[1,1,28,28],\"datatype\":\"FP32\",\"data\":"
                        + flat(783, "0") + "}]}"));
    }

    @Test
    void inferRequest_valuesOutOfTypeRange_namesElement() {
        assertEquals("inputs[0] 'px'.data[1]: 256 is out of the UINT8 range 0..255",
                refused("{\"inputs\":[{\"name\":\"px\",\"shape\":[2],\"datatype\":\"UINT8\",\"data\":[0,256]}]}"));
        assertTrue(refused("{\"inputs\":[{\"name\":\"px\",\"shape\":[1],\"datatype\":\"UINT8\",\"data\":[1.5]}]}")
                .startsWith("inputs[0] 'px'.data[0]: 1.5 is not an integer in 0..255"));
        assertTrue(refused("{\"inputs\":[{\"name\":\"f\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1e39]}]}")
                .contains("out of the FP32 range"));
        assertTrue(refused("{\"inputs\":[{\"name\":\"f\",\"shape\":[2],\"datatype\":\"FP32\",\"data\":[1,\"2\"]}]}")
                .contains("'f'.data[1]: a string among numbers"));
        assertTrue(refused("{\"inputs\":[{\"name\":\"f\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[\"a\"]}]}")
                .contains("elements are strings; datatype FP32 takes numbers"));
    }

    @Test
    void inferRequest_bytesBase64StringObjectAndText_decoded() {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 0, (byte) 0xFF};
        String b64 = java.util.Base64.getEncoder().encodeToString(png);
        ModelInferRequest r = parse("{\"inputs\":[{\"name\":\"image\",\"shape\":[2],\"datatype\":\"BYTES\","
                + "\"data\":[\"" + b64 + "\",{\"b64\":\"" + b64 + "\"}]}]}");
        assertEquals(ByteString.copyFrom(png), r.getInputs(0).getContents().getBytesContents(0));
        assertEquals(ByteString.copyFrom(png), r.getInputs(0).getContents().getBytesContents(1));
        ModelInferRequest text = parse("{\"inputs\":[{\"name\":\"t\",\"shape\":[1],\"datatype\":\"BYTES\","
                + "\"parameters\":{\"content_type\":\"str\"},\"data\":[\"h\u00e9\"]}]}");
        assertEquals("h\u00e9", text.getInputs(0).getContents().getBytesContents(0).toStringUtf8());
        assertEquals(0, text.getInputs(0).getParametersCount(), "content_type is a JSON matter, not forwarded");
        assertTrue(refused("{\"inputs\":[{\"name\":\"image\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"no!\"]}]}")
                .startsWith("inputs[0] 'image'.data[0]: not base64"));
    }

    @Test
    void inferRequest_malformedJson_namesLineAndColumn() {
        String m = refused("{\"inputs\": [\n  {\"name\": \"image\",, }\n]}");
        assertTrue(m.startsWith("malformed JSON at line 2, column "), m);
        assertTrue(refused("{\"inputs\": [").startsWith("malformed JSON at line 1, column "));
        assertTrue(refused("{\"inputs\":[],\"inputs\":[]}").contains("Duplicate field 'inputs'"));
        String trailing = refused("{\"inputs\":[]} x");
        assertTrue(trailing.startsWith("malformed JSON at line 1, column 16: Unrecognized token 'x'"), trailing);
    }

    @Test
    void inferRequest_wrongStructure_namesField() {
        assertEquals("the request body is an array; expected an inference request object {\"inputs\": [...]}",
                refused("[1,2]"));
        assertTrue(refused("{\"input\":[]}").startsWith("unknown field 'input' in the inference request"));
        assertTrue(refused("{}").startsWith("the inference request has no 'inputs'"));
        assertTrue(refused("{\"id\":5,\"inputs\":[]}").startsWith("id: expected a string, found the number 5"));
        assertTrue(refused("{\"inputs\":[{\"name\":\"image\",\"shape\":[1],\"datatype\":\"FP33\",\"data\":[1]}]}")
                .startsWith("inputs[0] 'image'.datatype: 'FP33' is not a tensor datatype"));
        assertTrue(refused("{\"inputs\":[{\"name\":\"image\",\"shape\":[-1],\"datatype\":\"FP32\",\"data\":[1]}]}")
                .startsWith("inputs[0] 'image'.shape[0]: -1; expected a size >= 0"));
        assertTrue(refused("{\"inputs\":[{\"name\":\"image\",\"shape\":[1],\"datatype\":\"FP32\"}]}")
                .startsWith("inputs[0] 'image': no 'data'"));
        assertTrue(refused("{\"inputs\":[],\"outputs\":[{\"name\":\"probs\",\"parameters\":{\"binary_data\":true}}]}")
                .contains("binary tensor data extension"));
        assertTrue(refused("{\"inputs\":[],\"parameters\":{\"p\":0.5}}").startsWith("parameters.p: 0.5 is a fraction"));
    }

    @Test
    void inferResponse_typedAndRawOutputs_writesSpecJson() throws Exception {
        ByteBuffer raw = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(7);
        ModelInferResponse r = ModelInferResponse.newBuilder().setModelName("mnist").setModelVersion("2").setId("q")
                .addOutputs(ModelInferResponse.InferOutputTensor.newBuilder().setName("probs").setDatatype("FP32")
                        .addShape(1).addShape(2).setContents(InferTensorContents.newBuilder().addFp32Contents(0.25f)
                                .addFp32Contents(0.75f)))
                .addOutputs(ModelInferResponse.InferOutputTensor.newBuilder().setName("label").setDatatype("INT64")
                        .addShape(1).putParameters("p", InferParameter.newBuilder().setBoolParam(true).build()))
                .build();
        JsonNode typed = JSON.readTree(OipJson.inferResponse(r));
        assertEquals("mnist", typed.get("model_name").asText());
        assertEquals("2", typed.get("model_version").asText());
        assertEquals("q", typed.get("id").asText());
        assertEquals("[0.25,0.75]", typed.at("/outputs/0/data").toString());
        assertEquals("[1,2]", typed.at("/outputs/0/shape").toString());
        assertEquals("[]", typed.at("/outputs/1/data").toString());
        assertTrue(typed.at("/outputs/1/parameters/p").asBoolean());
        JsonNode rawJson = JSON.readTree(OipJson.inferResponse(r.toBuilder().addRawOutputContents(ByteString.copyFrom(
                new byte[] {0, 0, (byte) 0x80, 0x3e, 0, 0, 0x40, 0x3f})).addRawOutputContents(ByteString.copyFrom(
                        raw.array())).build()));
        assertEquals("[0.25,0.75]", rawJson.at("/outputs/0/data").toString());
        assertEquals("[7]", rawJson.at("/outputs/1/data").toString());
    }

    @Test
    void indexAndRepositoryBodies_optionalAndChecked() {
        assertEquals(false, OipJson.indexReady(new byte[0]));
        assertEquals(true, OipJson.indexReady("{\"ready\": true}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(assertThrows(BadRequestException.class, () -> OipJson.indexReady("{\"ready\": 1}"
                .getBytes(StandardCharsets.UTF_8))).getMessage().startsWith("ready: expected true or false"));
        assertEquals(1, OipJson.repositoryParameters("{\"parameters\":{\"x\":\"y\"}}".getBytes(StandardCharsets.UTF_8),
                "load").size());
    }
}
