package dev.glyph.grpcserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.proto.inference.GRPCInferenceServiceGrpc;
import dev.glyph.proto.inference.InferTensorContents;
import dev.glyph.proto.inference.ModelInferRequest;
import dev.glyph.proto.inference.ModelInferRequest.InferInputTensor;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.imageio.ImageIO;

/** Builders for Open Inference Protocol requests in the tests. */
final class Oip {

    private Oip() {
    }

    static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub blocking(Channel channel) {
        return GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    static InferInputTensor.Builder tensor(String name, String datatype, long... shape) {
        InferInputTensor.Builder b = InferInputTensor.newBuilder().setName(name).setDatatype(datatype);
        for (long d : shape) {
            b.addShape(d);
        }
        return b;
    }

    /** FP32 [N,1,28,28] with typed contents: gray8 / 255. */
    static ModelInferRequest.Builder fp32(List<byte[]> gray8) {
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        for (byte[] img : gray8) {
            for (byte v : img) {
                c.addFp32Contents((v & 0xFF) / 255f);
            }
        }
        return ModelInferRequest.newBuilder().setModelName("mnist")
                .addInputs(tensor("image", "FP32", gray8.size(), 1, 28, 28).setContents(c));
    }

    /** FP32 with raw little-endian contents in {@code shape}. */
    static ModelInferRequest.Builder fp32Raw(List<byte[]> gray8, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(4 * 784 * gray8.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (byte[] img : gray8) {
            for (byte v : img) {
                b.putFloat((v & 0xFF) / 255f);
            }
        }
        return ModelInferRequest.newBuilder().setModelName("mnist").addInputs(tensor("image", "FP32", shape))
                .addRawInputContents(ByteString.copyFrom(b.array()));
    }

    /** UINT8 [N,28,28] with typed contents. */
    static ModelInferRequest.Builder uint8(List<byte[]> gray8) {
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        for (byte[] img : gray8) {
            for (byte v : img) {
                c.addUintContents(v & 0xFF);
            }
        }
        return ModelInferRequest.newBuilder().setModelName("mnist")
                .addInputs(tensor("image", "UINT8", gray8.size(), 28, 28).setContents(c));
    }

    /** UINT8 with raw bytes in {@code shape}. */
    static ModelInferRequest.Builder uint8Raw(List<byte[]> gray8, long... shape) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        gray8.forEach(out::writeBytes);
        return ModelInferRequest.newBuilder().setModelName("mnist").addInputs(tensor("image", "UINT8", shape))
                .addRawInputContents(ByteString.copyFrom(out.toByteArray()));
    }

    /** BYTES [N] with typed contents. */
    static ModelInferRequest.Builder bytes(List<byte[]> encoded) {
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        for (byte[] e : encoded) {
            c.addBytesContents(ByteString.copyFrom(e));
        }
        return ModelInferRequest.newBuilder().setModelName("mnist")
                .addInputs(tensor("image", "BYTES", encoded.size()).setContents(c));
    }

    /** BYTES [N] raw: each element a 4-byte little-endian length, then the bytes. */
    static ModelInferRequest.Builder bytesRaw(List<byte[]> encoded) {
        return ModelInferRequest.newBuilder().setModelName("mnist").addInputs(tensor("image", "BYTES", encoded.size()))
                .addRawInputContents(ByteString.copyFrom(lengthPrefixed(encoded)));
    }

    static byte[] lengthPrefixed(List<byte[]> elements) {
        int n = 0;
        for (byte[] e : elements) {
            n += 4 + e.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        for (byte[] e : elements) {
            b.putInt(e.length).put(e);
        }
        return b.array();
    }

    /** A 28x28 8-bit grayscale PNG of {@code gray8}. */
    static byte[] png(byte[] gray8) {
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setDataElements(0, 0, 28, 28, gray8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static float[] floats(ByteString raw) {
        float[] f = new float[raw.size() / 4];
        raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    static long[] longs(ByteString raw) {
        long[] l = new long[raw.size() / 8];
        raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(l);
        return l;
    }

    static List<DigitImage> digits(List<byte[]> gray8) {
        return gray8.stream().map(DigitImage::ofGray8).toList();
    }

    /** Asserts that {@code call} fails with {@code code} and a message containing every one of {@code parts}. */
    static StatusRuntimeException fails(Status.Code code, Supplier<?> call, String... parts) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::get);
        assertEquals(code, e.getStatus().getCode(), String.valueOf(e.getStatus().getDescription()));
        String d = String.valueOf(e.getStatus().getDescription());
        for (String p : parts) {
            assertTrue(d.contains(p), "expected '" + p + "' in: " + d);
        }
        return e;
    }
}
