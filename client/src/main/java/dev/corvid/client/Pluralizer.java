package dev.corvid.client;

import java.util.Locale;
import java.util.Map;

/**
 * A small English pluraliser for collection names: {@code Person} → {@code People},
 * {@code Company} → {@code Companies}, {@code Box} → {@code Boxes}, {@code Product} → {@code Products}.
 * The case of the first letter is kept.
 */
final class Pluralizer {

    private static final Map<String, String> IRREGULAR = Map.ofEntries(
            Map.entry("person", "people"),
            Map.entry("man", "men"),
            Map.entry("woman", "women"),
            Map.entry("child", "children"),
            Map.entry("mouse", "mice"),
            Map.entry("goose", "geese"),
            Map.entry("foot", "feet"),
            Map.entry("tooth", "teeth"),
            Map.entry("ox", "oxen"),
            Map.entry("datum", "data"),
            Map.entry("matrix", "matrices"),
            Map.entry("leaf", "leaves"),
            Map.entry("life", "lives"),
            Map.entry("knife", "knives"),
            Map.entry("wife", "wives"),
            Map.entry("half", "halves"),
            Map.entry("hero", "heroes"),
            Map.entry("potato", "potatoes"),
            Map.entry("tomato", "tomatoes"),
            Map.entry("sheep", "sheep"),
            Map.entry("fish", "fish"),
            Map.entry("series", "series"),
            Map.entry("species", "species"),
            Map.entry("news", "news"),
            Map.entry("information", "information"),
            Map.entry("equipment", "equipment"));

    private Pluralizer() {
    }

    /** The plural of an English noun written as a Java class name (CamelCase: only the last word changes). */
    static String pluralize(String noun) {
        if (noun == null || noun.isEmpty()) {
            throw new IllegalArgumentException("cannot pluralise an empty name");
        }
        int lastWord = lastWordStart(noun);
        String head = noun.substring(0, lastWord);
        String word = noun.substring(lastWord);
        return head + pluralizeWord(word);
    }

    private static int lastWordStart(String noun) {
        for (int i = noun.length() - 1; i > 0; i--) {
            if (Character.isUpperCase(noun.charAt(i)) && Character.isLowerCase(noun.charAt(i - 1))) {
                return i;
            }
        }
        return 0;
    }

    private static String pluralizeWord(String word) {
        String lower = word.toLowerCase(Locale.ROOT);
        String irregular = IRREGULAR.get(lower);
        if (irregular != null) {
            return matchFirstLetterCase(word, irregular);
        }
        if (lower.endsWith("y") && lower.length() > 1 && !isVowel(lower.charAt(lower.length() - 2))) {
            return word.substring(0, word.length() - 1) + "ies";
        }
        if (lower.endsWith("s") || lower.endsWith("x") || lower.endsWith("z")
                || lower.endsWith("ch") || lower.endsWith("sh")) {
            return word + "es";
        }
        return word + "s";
    }

    private static String matchFirstLetterCase(String original, String replacement) {
        return Character.isUpperCase(original.charAt(0))
                ? Character.toUpperCase(replacement.charAt(0)) + replacement.substring(1)
                : replacement;
    }

    private static boolean isVowel(char c) {
        return "aeiou".indexOf(c) >= 0;
    }
}
