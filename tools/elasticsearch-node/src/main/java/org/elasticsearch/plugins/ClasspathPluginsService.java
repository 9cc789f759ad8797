package org.elasticsearch.plugins;

import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.elasticsearch.Build;
import org.elasticsearch.action.admin.cluster.node.info.PluginsAndModules;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.spi.SPIClassIterator;

/**
 * A PluginsService whose plugins are classes on the application classpath, for the dossier
 * launcher (tools/elasticsearch-node). A trimmed copy of the test framework's
 * MockPluginsService (org.elasticsearch.test:framework): it lives in this package because
 * PluginsService's LoadedPlugin, loadPlugin and createExtension are package-private.
 * All plugins share the application class loader, so service providers are de-duplicated
 * by class, as MockPluginsService does.
 */
public class ClasspathPluginsService extends PluginsService {

    private final List<LoadedPlugin> classpathPlugins;

    /** @param plugins plugin name (as node info shows it) to plugin class, in load order */
    public ClasspathPluginsService(Settings settings, Environment environment, Map<String, Class<? extends Plugin>> plugins) {
        super(settings, environment.configDir(), new PluginsLoader(Collections.emptySet(), Collections.emptySet(), Collections.emptyMap()));
        List<LoadedPlugin> loaded = new ArrayList<>();
        for (Map.Entry<String, Class<? extends Plugin>> e : plugins.entrySet()) {
            Class<? extends Plugin> pluginClass = e.getValue();
            Plugin plugin = loadPlugin(pluginClass, settings, environment.configDir());
            PluginDescriptor descriptor = new PluginDescriptor(
                e.getKey(),
                "classpath plugin " + pluginClass.getName(),
                Build.current().version(),
                Build.current().version(),
                Integer.toString(Runtime.version().feature()),
                pluginClass.getName(),
                null,
                Collections.emptyList(),
                false,
                false,
                false,
                false,
                PluginDescriptor.DeploymentTarget.ALL
            );
            loaded.add(new LoadedPlugin(descriptor, plugin, ClasspathPluginsService.class.getClassLoader()));
        }
        for (LoadedPlugin p : loaded) {
            if (p.instance() instanceof ExtensiblePlugin extensible) {
                extensible.loadExtensions(new ExtensiblePlugin.ExtensionLoader() {
                    @Override
                    public <T> List<T> loadExtensions(Class<T> extensionPointType) {
                        Map<Class<?>, T> result = new HashMap<>();
                        for (LoadedPlugin candidate : loaded) {
                            for (T ext : extensionsOf(extensionPointType, candidate.instance(), result)) {
                                result.put(ext.getClass(), ext);
                            }
                        }
                        return List.copyOf(result.values());
                    }
                });
            }
        }
        this.classpathPlugins = List.copyOf(loaded);
    }

    @Override
    protected final List<LoadedPlugin> plugins() {
        return classpathPlugins;
    }

    @Override
    public PluginsAndModules info() {
        return new PluginsAndModules(
            classpathPlugins.stream().map(LoadedPlugin::descriptor).map(PluginRuntimeInfo::new).toList(),
            List.of()
        );
    }

    @Override
    public <T> List<? extends T> loadServiceProviders(Class<T> service) {
        Map<Class<?>, T> result = new HashMap<>();
        for (LoadedPlugin p : classpathPlugins) {
            for (T ext : extensionsOf(service, p.instance(), result)) {
                result.put(ext.getClass(), ext);
            }
        }
        return List.copyOf(result.values());
    }

    /** As MockPluginsService.createExtensions: skips providers whose one-argument constructor wants another plugin. */
    private static <T> List<T> extensionsOf(Class<T> extensionPointType, Plugin plugin, Map<Class<?>, T> already) {
        Iterator<Class<? extends T>> it = SPIClassIterator.get(extensionPointType, plugin.getClass().getClassLoader());
        List<T> extensions = new ArrayList<>();
        while (it.hasNext()) {
            Class<? extends T> extensionClass = it.next();
            if (already.containsKey(extensionClass)) {
                continue;
            }
            boolean compatible = true;
            for (Constructor<?> c : extensionClass.getConstructors()) {
                if (c.getParameterCount() == 1 && c.getParameterTypes()[0].isAssignableFrom(plugin.getClass()) == false) {
                    compatible = false;
                    break;
                }
            }
            if (compatible) {
                extensions.add(createExtension(extensionClass, extensionPointType, plugin));
            }
        }
        return extensions;
    }
}
