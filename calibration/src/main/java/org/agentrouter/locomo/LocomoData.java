package org.agentrouter.locomo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads conversations of the LoCoMo benchmark (Maharana et al., ACL 2024) in the authors' JSON: one file per
 * conversation, sessions of dialogue turns with their dates, and questions whose {@code evidence} names the
 * turns ({@code dia_id}, "D3:12" = session 3, turn 12) that hold the answer.
 *
 * <p>The benchmark has a few defective evidence entries; they are counted in {@link Problems}, never fatal:
 * an entry listing several ids in one string ("D8:6; D9:17") is split; an entry that is not an id ("D",
 * "D:11:26") or names no turn of the conversation is dropped. A question left without evidence is kept (it
 * counts in the problems) but scored by nobody.
 */
public final class LocomoData {
    private static final Pattern DIA_ID = Pattern.compile("D(\\d+):(\\d+)");
    private static final Pattern SESSION_KEY = Pattern.compile("session_(\\d+)");
    private static final DateTimeFormatter SESSION_DATE = new java.time.format.DateTimeFormatterBuilder()
            .parseCaseInsensitive().appendPattern("h:mm a 'on' d MMMM, yyyy").toFormatter(Locale.ENGLISH);

    private LocomoData() {}

    /** One dialogue turn: a memory of the conversation's agent. */
    public record Turn(String diaId, int session, int position, String speaker, String text, String caption,
                       long sessionTimeMs) {
        /** What the memory holds: "speaker: text", plus " [image: caption]" when the turn shares a photo. */
        public String memoryText() {
            return speaker + ": " + text + (caption == null || caption.isBlank() ? "" : " [image: " + caption + "]");
        }
    }

    /** A question with the turns that answer it (valid ids only). */
    public record Question(int index, String text, String answer, int category, List<String> evidence) {}

    /** One conversation: the two speakers, turns in dialogue order, questions in file order. */
    public record Conversation(String id, String speakerA, String speakerB, List<Turn> turns, List<Question> questions) {
        /** After the last session: the time the questions are asked at. */
        public long asOfMs() {
            long last = 0;
            for (Turn t : turns) last = Math.max(last, t.sessionTimeMs());
            return last + 86_400_000L;
        }
    }

    /** Defects of the data, reported by eval and the study. */
    public static final class Problems {
        public int evidenceEntries;
        /** Entries that held several ids in one string, split into their ids. */
        public final List<String> split = new ArrayList<>();
        /** Entries that are not a dialogue id at all. */
        public final List<String> malformed = new ArrayList<>();
        /** Well-formed ids naming no turn of their conversation. */
        public final List<String> missing = new ArrayList<>();
        /** Questions of categories 1-4 left without any valid evidence. */
        public final List<String> withoutEvidence = new ArrayList<>();
        /** Sessions whose date could not be read (the previous session's date is used). */
        public final List<String> badDates = new ArrayList<>();

        @Override
        public String toString() {
            return "evidence entries " + evidenceEntries + ", split " + split + ", malformed " + malformed + ", missing "
                    + missing + ", questions without evidence " + withoutEvidence.size() + ", unreadable session dates "
                    + badDates;
        }
    }

    /** The conversations of a file or of every {@code *.json} in a directory (sorted by name), and their defects. */
    public record Loaded(List<Conversation> conversations, Problems problems) {}

    public static Loaded load(Path fileOrDir) throws IOException {
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(fileOrDir)) {
            try (Stream<Path> s = Files.list(fileOrDir)) {
                s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().forEach(files::add);
            }
        } else if (Files.isRegularFile(fileOrDir)) {
            files.add(fileOrDir);
        } else {
            throw new IOException(fileOrDir + " is neither a LoCoMo JSON file nor a directory of them");
        }
        if (files.isEmpty()) throw new IOException("no .json files in " + fileOrDir);
        ObjectMapper json = new ObjectMapper();
        Problems problems = new Problems();
        List<Conversation> out = new ArrayList<>();
        for (Path f : files) {
            JsonNode root = json.readTree(f.toFile());
            // The authors' release is a list of samples; the split files hold one sample each.
            if (root.isArray()) {
                int i = 0;
                for (JsonNode sample : root) out.add(parse(sample, name(f) + (root.size() > 1 ? "-" + i++ : ""), problems));
            } else {
                out.add(parse(root, name(f), problems));
            }
        }
        return new Loaded(out, problems);
    }

    /** "locomo_conv26.json" -> "conv26"; other names lose only their extension. */
    static String name(Path f) {
        String n = f.getFileName().toString().replaceFirst("\\.json$", "");
        return n.startsWith("locomo_") ? n.substring("locomo_".length()) : n;
    }

    static Conversation parse(JsonNode sample, String fallbackId, Problems problems) throws IOException {
        String id = sample.hasNonNull("sample_id") ? sample.get("sample_id").asText() : fallbackId;
        JsonNode conv = sample.has("conversation") ? sample.get("conversation") : sample;
        if (!conv.has("speaker_a") || !conv.has("speaker_b")) {
            throw new IOException(id + ": no speaker_a / speaker_b: not a LoCoMo conversation");
        }
        Map<Integer, JsonNode> sessions = new TreeMap<>();
        for (Iterator<String> it = conv.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            Matcher m = SESSION_KEY.matcher(key);
            if (m.matches() && conv.get(key).isArray()) sessions.put(Integer.parseInt(m.group(1)), conv.get(key));
        }
        List<Turn> turns = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        long previousTime = 0;
        for (Map.Entry<Integer, JsonNode> e : sessions.entrySet()) {
            int session = e.getKey();
            String dateKey = "session_" + session + "_date_time";
            long time = previousTime;
            String date = conv.hasNonNull(dateKey) ? conv.get(dateKey).asText() : null;
            try {
                time = LocalDateTime.parse(date == null ? "" : date.trim(), SESSION_DATE).toInstant(ZoneOffset.UTC).toEpochMilli();
            } catch (DateTimeParseException ex) {
                problems.badDates.add(id + " " + dateKey + "=" + date);
            }
            previousTime = time;
            int position = 0;
            for (JsonNode t : e.getValue()) {
                String diaId = t.path("dia_id").asText("");
                String caption = t.hasNonNull("blip_caption") ? t.get("blip_caption").asText() : null;
                turns.add(new Turn(diaId, session, position++, t.path("speaker").asText(""), t.path("text").asText(""),
                        caption, time));
                ids.add(diaId);
            }
        }
        List<Question> questions = new ArrayList<>();
        int index = 0;
        for (JsonNode q : sample.path("qa")) {
            int category = q.path("category").asInt(0);
            List<String> evidence = new ArrayList<>();
            for (JsonNode ev : q.path("evidence")) {
                String raw = ev.asText("");
                problems.evidenceEntries++;
                String[] parts = raw.split("[;,]");
                if (parts.length > 1) problems.split.add(id + " \"" + raw + "\"");
                for (String part : parts) {
                    String p = part.trim();
                    if (!DIA_ID.matcher(p).matches()) {
                        problems.malformed.add(id + " \"" + raw + "\"");
                    } else if (!ids.contains(p)) {
                        problems.missing.add(id + " " + p);
                    } else if (!evidence.contains(p)) {
                        evidence.add(p);
                    }
                }
            }
            String text = q.path("question").asText("");
            if (category >= 1 && category <= 4 && evidence.isEmpty()) {
                problems.withoutEvidence.add(id + " q" + index + " \"" + text + "\"");
            }
            questions.add(new Question(index++, text, q.path("answer").asText(""), category, List.copyOf(evidence)));
        }
        return new Conversation(id, conv.get("speaker_a").asText(), conv.get("speaker_b").asText(), List.copyOf(turns),
                List.copyOf(questions));
    }
}
