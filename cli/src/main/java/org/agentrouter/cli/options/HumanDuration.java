package org.agentrouter.cli.options;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Durations as people type them: a bare number is seconds (as timeout, sleep and most tools read it), or a number
 * with a unit (250ms, 40s, 5m, 1h, also 1.5s), or ISO-8601 (PT5M). Every duration option of every command uses it;
 * picocli puts the option's name before the message of a refused value.
 */
public final class HumanDuration implements ITypeConverter<Duration> {
    /** What the message of a refused value lists; the README's "Durations" names the same forms. */
    public static final String FORMS = "seconds as a bare number (400), or 250ms, 40s, 5m, 1h, PT5M";

    private static final Pattern SHORT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    /** The same conversion outside picocli; {@link TypeConversionException} for a value that is no duration. */
    public static Duration parse(String value) {
        String text = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        Matcher m = SHORT.matcher(text);
        if (m.matches()) {
            double n = Double.parseDouble(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            double millis = switch (unit) {
                case "ms" -> n;
                case "s" -> n * 1_000;
                case "m" -> n * 60_000;
                default -> n * 3_600_000;
            };
            if (millis > 9.0e12) throw refused(value); // past 285 years: nanoseconds would overflow a long
            return Duration.ofNanos(Math.round(millis * 1_000_000));
        }
        try {
            Duration d = Duration.parse(text.toUpperCase(Locale.ROOT));
            if (d.isNegative()) throw refused(value);
            return d;
        } catch (DateTimeParseException e) {
            throw refused(value);
        }
    }

    private static TypeConversionException refused(String value) {
        return new TypeConversionException("'" + value + "' is not a duration: give " + FORMS);
    }
}
