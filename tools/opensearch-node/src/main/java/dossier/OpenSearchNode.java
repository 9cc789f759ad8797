package dossier;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.painless.PainlessPlugin;
import org.opensearch.plugin.analysis.smartcn.AnalysisSmartChinesePlugin;
import org.opensearch.plugins.ExtensiblePlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * One OpenSearch node assembled from Maven Central jars, for tests and development.
 *
 * Plugins are loaded from the classpath the way OpenSearch's test framework (MockNode) does:
 * the protected Node constructor takes plugin classes. No security plugin: plain HTTP on
 * 127.0.0.1 only.
 *
 * k-NN (org.opensearch.knn.plugin.KNNPlugin, 2.19.1.0 from the plugin zip) is loaded by name:
 * knn_vector fields and the knn query with engine lucene. Its faiss/nmslib engines need native
 * libraries the zip does not have; they are loaded lazily, so only indices using those engines
 * fail (and hang the request). OPENSEARCH_KNN=0 leaves k-NN out. OPENSEARCH_PAINLESS=1 adds
 * lang-painless (≈100 MB more resident memory, ≈2 s more start) with k-NN's painless functions;
 * neither knn_vector nor the knn query needs it.
 *
 * Usage: java -cp 'target/lib/*:target/classes' dossier.OpenSearchNode HTTP_PORT HOME_DIR
 */
public final class OpenSearchNode extends Node {

    private static final String KNN_PLUGIN = "org.opensearch.knn.plugin.KNNPlugin";

    private static List<Class<? extends Plugin>> plugins() throws ClassNotFoundException {
        List<Class<? extends Plugin>> plugins = new ArrayList<>(
            List.of(Netty4Plugin.class, CommonAnalysisPlugin.class, AnalysisSmartChinesePlugin.class));
        boolean knn = !"0".equals(System.getenv("OPENSEARCH_KNN"));
        if (knn) {
            plugins.add(Class.forName(KNN_PLUGIN).asSubclass(Plugin.class));
        }
        if ("1".equals(System.getenv("OPENSEARCH_PAINLESS"))) {
            plugins.add(PainlessPlugin.class);
            if (knn) {
                registerPainlessExtensions();
            }
        }
        return plugins;
    }

    /**
     * k-NN extends lang-painless (extended.plugins in its descriptor) with its vector functions
     * (cosineSimilarity, l2Squared, ... in painless scripts). PluginsService wires extensions
     * only for plugins installed as bundles, not for classpath plugins; Painless keeps its
     * allowlists in a static map that loadExtensions adds to, so the extensions found on the
     * classpath (META-INF/services) are registered here, before the node builds its script engines.
     */
    private static void registerPainlessExtensions() {
        new PainlessPlugin().loadExtensions(new ExtensiblePlugin.ExtensionLoader() {
            @Override
            public <T> List<T> loadExtensions(Class<T> type) {
                List<T> found = new ArrayList<>();
                ServiceLoader.load(type, OpenSearchNode.class.getClassLoader()).forEach(found::add);
                return found;
            }
        });
    }

    private OpenSearchNode(Settings settings, Collection<Class<? extends Plugin>> plugins) {
        super(InternalSettingsPreparer.prepareEnvironment(settings, java.util.Map.of(), null, () -> "dossier-node"),
              plugins, false);
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: OpenSearchNode HTTP_PORT HOME_DIR");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        Path home = Path.of(args[1]).toAbsolutePath();
        Files.createDirectories(home.resolve("data"));
        Files.createDirectories(home.resolve("logs"));
        Files.createDirectories(home.resolve("config"));
        Settings settings = Settings.builder()
            .put("cluster.name", "dossier-dev")
            .put("node.name", "dossier-node")
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("network.host", "127.0.0.1")
            .put("http.port", port)
            .put("transport.port", port + 100)
            .put("discovery.type", "single-node")
            .put("action.auto_create_index", false)
            // A disk that is nearly full must not turn the index read-only in tests.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .build();
        LogConfigurator.registerErrorListener();
        LogConfigurator.configureWithoutConfig(settings);
        Node node = new OpenSearchNode(settings, plugins());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "dossier-node-shutdown"));
        try {
            node.start();
        } catch (Throwable t) {  // a half-started node keeps non-daemon threads: exit for sure
            t.printStackTrace();
            Runtime.getRuntime().halt(1);
        }
        System.out.println("opensearch node started on http://127.0.0.1:" + port);
        stopped.await();
    }
}
