package org.agentrouter.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The rooms of the house, as rules a change cannot break unnoticed: no import loop between packages, the job
 * module depends on the operators (and schemas) alone, scoring does not know routing, the core is Flink-free
 * outside its operators, bench has packages of its own, and no main source file passes 500 lines.
 *
 * <p>Reads the modules' compiled classes ({@code MODULE/target/classes}, built before this module's tests) and
 * their sources, under {@code -Darchitecture.root} (default: the repository).
 */
class ArchitectureTest {
    private static final Path ROOT = Path.of(System.getProperty("architecture.root", "..")).toAbsolutePath().normalize();
    private static final List<String> MODULES = List.of("schemas", "operators", "calibration", "clients/java", "bench", "job", "cli");
    private static final int MAX_LINES = 500;

    /** Imports are the slow part (seconds per module on a loaded machine): once per set of modules. */
    private static final Map<List<String>, JavaClasses> IMPORTED = new java.util.concurrent.ConcurrentHashMap<>();

    private static JavaClasses classesOf(String... modules) {
        return IMPORTED.computeIfAbsent(List.of(modules), ArchitectureTest::importClasses);
    }

    private static JavaClasses importClasses(List<String> modules) {
        List<Path> dirs = new ArrayList<>();
        for (String m : modules) {
            Path dir = ROOT.resolve(m).resolve("target/classes");
            if (Files.isDirectory(dir)) dirs.add(dir);
        }
        assertTrue(!dirs.isEmpty(), "no compiled classes of " + modules + " under " + ROOT);
        return new ClassFileImporter().importPaths(dirs);
    }

    private static Set<String> packagesOf(JavaClasses classes) {
        Set<String> packages = new TreeSet<>();
        for (JavaClass c : classes) packages.add(c.getPackageName());
        return packages;
    }

    @Test
    void noImportLoopBetweenPackages() {
        slices().matching("org.agentrouter.(**)").should().beFreeOfCycles()
                .check(classesOf(MODULES.toArray(String[]::new)));
    }

    /**
     * The same over the sources' imports and qualified names: javac inlines constants (a dimension, a topic name),
     * so a package that only reads another's constants depends on it in the source but not in the bytecode.
     */
    @Test
    void noImportLoopBetweenPackagesInTheSources() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        Pattern pkg = Pattern.compile("^package (org\\.agentrouter[\\w.]*);", Pattern.MULTILINE);
        Pattern ref = Pattern.compile("\\b(org\\.agentrouter(?:\\.[a-z]\\w*)+)\\.[A-Z]");
        for (String m : MODULES) {
            Path src = ROOT.resolve(m).resolve("src/main/java");
            if (!Files.isDirectory(src)) continue;
            try (Stream<Path> files = Files.walk(src)) {
                for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                    String text = Files.readString(f);
                    Matcher own = pkg.matcher(text);
                    if (!own.find()) continue;
                    Set<String> used = uses.computeIfAbsent(own.group(1), k -> new TreeSet<>());
                    Matcher r = ref.matcher(text);
                    while (r.find()) if (!r.group(1).equals(own.group(1))) used.add(r.group(1));
                }
            }
        }
        List<String> loops = new ArrayList<>();
        for (String start : uses.keySet()) {
            // A loop through start: start reaches itself. Reported once, from its smallest package.
            Deque<List<String>> paths = new ArrayDeque<>(List.of(List.of(start)));
            Set<String> seen = new TreeSet<>();
            while (!paths.isEmpty()) {
                List<String> path = paths.poll();
                for (String next : uses.getOrDefault(path.get(path.size() - 1), Set.of())) {
                    if (next.equals(start)) {
                        if (path.stream().allMatch(p -> p.compareTo(start) >= 0)) loops.add(String.join(" -> ", path) + " -> " + start);
                    } else if (seen.add(next)) {
                        List<String> longer = new ArrayList<>(path);
                        longer.add(next);
                        paths.add(longer);
                    }
                }
            }
        }
        assertEquals(List.of(), loops, "import loops between packages");
    }

    @Test
    void theJobDependsOnTheOperatorsAndSchemasAlone() {
        Set<String> allowed = packagesOf(classesOf("schemas", "operators"));
        JavaClasses job = classesOf("job");
        allowed.addAll(packagesOf(job));
        DescribedPredicate<JavaClass> ownOrBelow = DescribedPredicate.describe("in the job, operators or schemas",
                c -> !c.getPackageName().startsWith("org.agentrouter") || allowed.contains(c.getPackageName()));
        classes().should().onlyDependOnClassesThat(ownOrBelow).check(job);
    }

    @Test
    void theJobPomDeclaresNoProjectModuleButTheOperatorsAndNoBrokerTrainerOrChart() throws Exception {
        Element pom = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(ROOT.resolve("job/pom.xml").toFile()).getDocumentElement();
        NodeList deps = ((Element) pom.getElementsByTagName("dependencies").item(0)).getElementsByTagName("dependency");
        List<String> project = new ArrayList<>();
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            String group = d.getElementsByTagName("groupId").item(0).getTextContent();
            String artifact = d.getElementsByTagName("artifactId").item(0).getTextContent();
            if (group.equals("org.agentrouter")) project.add(artifact);
            assertTrue(!artifact.startsWith("kafka_") && !artifact.startsWith("kafka-server") && !group.startsWith("ai.djl")
                    && !artifact.equals("jfreechart"), "the job runs no broker, trainer or chart: " + group + ":" + artifact);
        }
        assertEquals(List.of("operators"), project);
    }

    @Test
    void scoringDoesNotKnowRouting() {
        noClasses().that().resideInAPackage("org.agentrouter.scoring..")
                .should().dependOnClassesThat().resideInAPackage("org.agentrouter.routing..")
                .check(classesOf("operators"));
    }

    @Test
    void theQueryRecordSitsBelowScoringAndRouting() {
        noClasses().that().resideInAPackage("org.agentrouter.query..")
                .should().dependOnClassesThat().resideInAnyPackage("org.agentrouter.scoring..", "org.agentrouter.routing..",
                        "org.agentrouter.flink..")
                .check(classesOf("operators"));
    }

    @Test
    void onlyTheOperatorsAndTheirLaunchersKnowFlink() {
        noClasses().that().resideOutsideOfPackages("org.agentrouter.flink..", "org.agentrouter.job..")
                .should().dependOnClassesThat().resideInAPackage("org.apache.flink..")
                .check(classesOf("schemas", "operators", "calibration", "clients/java"));
    }

    @Test
    void benchHasPackagesOfItsOwn() {
        Set<String> shared = packagesOf(classesOf("bench"));
        shared.retainAll(packagesOf(classesOf("schemas", "operators", "calibration")));
        assertEquals(Set.of(), shared, "bench reaches into these packages of other modules");
    }

    @Test
    void noMainSourceFileIsOverFiveHundredLines() throws IOException {
        List<String> tooLong = new ArrayList<>();
        for (String m : MODULES) {
            Path src = ROOT.resolve(m).resolve("src/main/java");
            if (!Files.isDirectory(src)) continue;
            try (Stream<Path> files = Files.walk(src)) {
                for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                    long lines;
                    try (Stream<String> l = Files.lines(f)) {
                        lines = l.count();
                    }
                    if (lines > MAX_LINES) tooLong.add(ROOT.relativize(f) + " (" + lines + ")");
                }
            }
        }
        assertEquals(List.of(), tooLong, "main source files over " + MAX_LINES + " lines");
    }

    @Test
    void everyPackageSaysWhichStageItServes() throws IOException {
        List<String> missing = new ArrayList<>();
        for (String m : MODULES) {
            Path src = ROOT.resolve(m).resolve("src/main/java");
            if (!Files.isDirectory(src)) continue;
            try (Stream<Path> dirs = Files.walk(src)) {
                for (Path d : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
                    boolean hasClasses;
                    try (Stream<Path> l = Files.list(d)) {
                        hasClasses = l.anyMatch(p -> p.toString().endsWith(".java") && !p.endsWith("package-info.java"));
                    }
                    if (hasClasses && !Files.exists(d.resolve("package-info.java"))) missing.add(ROOT.relativize(d).toString());
                }
            }
        }
        assertEquals(List.of(), missing, "packages without a package-info.java");
    }
}
