package org.agentrouter.study;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Surface features of a prompt that need neither retrieval nor a model: hints of difficulty that carry
 * across subjects (long passages, arithmetic, code, negated or multi-statement questions).
 * MMLU prompts are "stem\nA. ..\nB. ..\nC. ..\nD. ..\nAnswer:"; other prompts have no options part.
 */
final class TextFeatures {
    static final List<String> NAMES = List.of(
            "logChars", "logLines", "logStemChars", "logOptionChars", "digitShare", "mathMarks",
            "codeMarks", "negation", "multiStatement");

    private static final Pattern CODE = Pattern.compile(
            "(def |return |print\\(|#include|\\{|\\};|==|for \\(|while \\(|int |void |</)");
    private static final Pattern MATH = Pattern.compile("[=^√∫∑π×÷≤≥±]|\\\\frac|\\$|\\d\\s*[-+*/]\\s*\\d");
    private static final Pattern NEGATION = Pattern.compile("\\b(NOT|EXCEPT|LEAST|not true|false)\\b");
    private static final Pattern STATEMENTS = Pattern.compile("(?m)^(I{1,3}|IV|Statement \\d)[.:| ]");

    private TextFeatures() {}

    static double[] of(String prompt) {
        int optionsStart = prompt.lastIndexOf("\nA. ");
        String stem = optionsStart >= 0 ? prompt.substring(0, optionsStart) : prompt;
        int answer = prompt.lastIndexOf("\nAnswer:");
        String options = optionsStart >= 0 && answer > optionsStart ? prompt.substring(optionsStart, answer) : "";
        long digits = stem.chars().filter(Character::isDigit).count();
        long lines = prompt.chars().filter(c -> c == '\n').count();
        return new double[] {
            Math.log1p(prompt.length()),
            Math.log1p(lines),
            Math.log1p(stem.length()),
            Math.log1p(options.length()),
            stem.isEmpty() ? 0 : (double) digits / stem.length(),
            Math.log1p(count(MATH, prompt)),
            Math.log1p(count(CODE, prompt)),
            NEGATION.matcher(stem).find() ? 1 : 0,
            Math.log1p(count(STATEMENTS, stem)),
        };
    }

    private static int count(Pattern pattern, String text) {
        int n = 0;
        var m = pattern.matcher(text);
        while (m.find()) {
            n++;
        }
        return n;
    }
}
