package org.elasticsearch.node;

import java.util.Map;

import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.ClasspathPluginsService;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginsLoader;
import org.elasticsearch.plugins.PluginsService;

/**
 * A Node whose plugins are classes on the application classpath, built the way the test
 * framework's MockNode builds one (NodeConstruction.prepareConstruction with a
 * NodeServiceProvider whose newPluginService returns a classpath PluginsService), without
 * MockNode's mock services. It lives in this package because NodeConstruction and
 * NodeServiceProvider are package-private; on the classpath (no module layer) that is allowed.
 */
public class ClasspathPluginsNode extends Node {

    public ClasspathPluginsNode(Environment environment, Map<String, Class<? extends Plugin>> plugins) {
        super(NodeConstruction.prepareConstruction(environment, null, new NodeServiceProvider() {
            @Override
            PluginsService newPluginService(Environment env, PluginsLoader pluginsLoader) {
                return new ClasspathPluginsService(env.settings(), env, plugins);
            }
        }, true));
    }
}
