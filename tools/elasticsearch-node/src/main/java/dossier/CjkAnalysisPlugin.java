package dossier;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.cjk.CJKBigramFilter;
import org.apache.lucene.analysis.cjk.CJKWidthFilter;
import org.apache.lucene.analysis.core.WhitespaceTokenizer;
import org.elasticsearch.lucene.analysis.miscellaneous.DisableGraphAttribute;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.index.IndexSettings;
import org.elasticsearch.index.analysis.AbstractTokenFilterFactory;
import org.elasticsearch.index.analysis.AbstractTokenizerFactory;
import org.elasticsearch.index.analysis.NormalizingTokenFilterFactory;
import org.elasticsearch.index.analysis.PreConfiguredTokenFilter;
import org.elasticsearch.index.analysis.PreConfiguredTokenizer;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

/**
 * STAND-IN for Elasticsearch's analysis-common module, which Elastic does not publish to Maven
 * Central (org.elasticsearch.plugin:analysis-common has no 9.x artifact). It registers only the
 * pieces the dossier index needs, under the same names and with the same Lucene classes
 * (lucene-analysis-common, the version the ES server depends on) as analysis-common does:
 *
 *   token filter  cjk_width   -> org.apache.lucene.analysis.cjk.CJKWidthFilter
 *   token filter  cjk_bigram  -> org.apache.lucene.analysis.cjk.CJKBigramFilter
 *                                (ignored_scripts, output_unigrams as in analysis-common)
 *   tokenizer     whitespace  -> org.apache.lucene.analysis.core.WhitespaceTokenizer
 *                                (max_token_length as in analysis-common)
 *
 * each both configurable (a "type" in index settings) and pre-configured (referred to by name).
 * The server itself provides the standard tokenizer and the lowercase filter. Everything else of
 * analysis-common (stemmers, synonyms, the cjk analyzer, ...) is absent.
 */
public final class CjkAnalysisPlugin extends Plugin implements AnalysisPlugin {

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        return Map.of("cjk_width", CjkWidthFilterFactory::new, "cjk_bigram", CjkBigramFilterFactory::new);
    }

    @Override
    public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
        return Map.of("whitespace", WhitespaceTokenizerFactory::new);
    }

    @Override
    public List<PreConfiguredTokenFilter> getPreConfiguredTokenFilters() {
        // as CommonAnalysisPlugin: cjk_bigram is not usable in normalizers, cjk_width is
        return List.of(
            PreConfiguredTokenFilter.singleton("cjk_bigram", false, CJKBigramFilter::new),
            PreConfiguredTokenFilter.singleton("cjk_width", true, CJKWidthFilter::new)
        );
    }

    @Override
    public List<PreConfiguredTokenizer> getPreConfiguredTokenizers() {
        return List.of(PreConfiguredTokenizer.singleton("whitespace", WhitespaceTokenizer::new));
    }

    static final class CjkWidthFilterFactory extends AbstractTokenFilterFactory implements NormalizingTokenFilterFactory {
        CjkWidthFilterFactory(IndexSettings indexSettings, Environment env, String name, Settings settings) {
            super(name);
        }

        @Override
        public TokenStream create(TokenStream tokenStream) {
            return new CJKWidthFilter(tokenStream);
        }
    }

    static final class CjkBigramFilterFactory extends AbstractTokenFilterFactory {
        private final int flags;
        private final boolean outputUnigrams;

        CjkBigramFilterFactory(IndexSettings indexSettings, Environment env, String name, Settings settings) {
            super(name);
            outputUnigrams = settings.getAsBoolean("output_unigrams", false);
            Set<String> ignored = Set.copyOf(settings.getAsList("ignored_scripts"));
            int f = 0;
            if (ignored.contains("han") == false) f |= CJKBigramFilter.HAN;
            if (ignored.contains("hiragana") == false) f |= CJKBigramFilter.HIRAGANA;
            if (ignored.contains("katakana") == false) f |= CJKBigramFilter.KATAKANA;
            if (ignored.contains("hangul") == false) f |= CJKBigramFilter.HANGUL;
            flags = f;
        }

        @Override
        public TokenStream create(TokenStream tokenStream) {
            CJKBigramFilter filter = new CJKBigramFilter(tokenStream, flags, outputUnigrams);
            if (outputUnigrams) {
                // bigrams and unigrams at overlapping positions: no graph analysis (as analysis-common)
                filter.addAttribute(DisableGraphAttribute.class);
            }
            return filter;
        }

        @Override
        public TokenFilterFactory getSynonymFilter() {
            if (outputUnigrams) {
                throw new IllegalArgumentException("Token filter [" + name() + "] cannot be used to parse synonyms");
            }
            return this;
        }
    }

    static final class WhitespaceTokenizerFactory extends AbstractTokenizerFactory {
        private final int maxTokenLength;

        WhitespaceTokenizerFactory(IndexSettings indexSettings, Environment env, String name, Settings settings) {
            super(name);
            maxTokenLength = settings.getAsInt("max_token_length", StandardAnalyzer.DEFAULT_MAX_TOKEN_LENGTH);
        }

        @Override
        public Tokenizer create() {
            return new WhitespaceTokenizer(TokenStream.DEFAULT_TOKEN_ATTRIBUTE_FACTORY, maxTokenLength);
        }
    }
}
