package org.agentrouter.cli.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class HumanDurationTest {
    @Test
    void bareNumbersAreSecondsAndUnitsAndIsoWork() {
        assertEquals(Duration.ofSeconds(400), HumanDuration.parse("400"));
        assertEquals(Duration.ofSeconds(400), HumanDuration.parse("400s"));
        assertEquals(Duration.ofMillis(1500), HumanDuration.parse("1.5"));
        assertEquals(Duration.ofMinutes(5), HumanDuration.parse("5m"));
        assertEquals(Duration.ofHours(1), HumanDuration.parse("1h"));
        assertEquals(Duration.ofMillis(250), HumanDuration.parse("250ms"));
        assertEquals(Duration.ofMillis(250), HumanDuration.parse(" 250 MS "));
        assertEquals(Duration.ofMinutes(5), HumanDuration.parse("PT5M"));
        assertEquals(Duration.ofSeconds(90), HumanDuration.parse("pt1m30s"));
    }

    @Test
    void junkIsRefusedNamingTheAcceptedForms() {
        for (String junk : new String[] {"", "soon", "5 minutes", "-3", "PT-5M", "1e3", "5d", "99999999999999h"}) {
            TypeConversionException e = assertThrows(TypeConversionException.class, () -> HumanDuration.parse(junk), junk);
            assertTrue(e.getMessage().endsWith("is not a duration: give " + HumanDuration.FORMS), e.getMessage());
        }
    }
}
