package org.agentrouter.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * What each principal of the router may do on brokers that enforce ACLs (README "Authenticated Kafka"), as
 * Admin API bindings, and as the {@code kafka-acls.sh} commands that create the same. Only ALLOW entries for
 * the least each needs; READ and WRITE imply DESCRIBE, and WRITE on a topic also covers idempotent producers
 * (KIP-679).
 */
public final class RouterAcls {
    /** The TypeScript client's consumer groups are {@code <clientId>-<uuid>}, its default client id {@code router-client-...}. */
    public static final String CLIENT_GROUP_PREFIX = "router-client-";
    /** {@code ./router models} reads model-events in a group of its own, {@code router-models-<uuid>}. */
    public static final String MODELS_COMMAND_GROUP_PREFIX = "router-models-";
    /** {@code ./router memory import --bootstrap} writes in one transaction, id {@code agentdb-import-<source>}. */
    public static final String IMPORT_TRANSACTION_PREFIX = "agentdb-import-";

    private RouterAcls() {}

    /** An agent (the Java or TypeScript client): writes queries and feedback, reads decisions. */
    public static List<AclBinding> agent(String principal) {
        List<AclBinding> acls = new ArrayList<>();
        topics(acls, principal, AclOperation.WRITE, Topics.AGENT_QUERIES, Topics.ROUTING_FEEDBACK);
        topics(acls, principal, AclOperation.READ, Topics.ROUTING_DECISIONS);
        acls.add(binding(ResourceType.GROUP, CLIENT_GROUP_PREFIX, PatternType.PREFIXED, principal, AclOperation.READ));
        return acls;
    }

    /**
     * An operator: publishes releases and rollout controls to router-models (the only principal besides the job
     * allowed to), follows model-events and router-health, and imports memories into agent-memories.
     */
    public static List<AclBinding> operator(String principal) {
        List<AclBinding> acls = new ArrayList<>();
        topics(acls, principal, AclOperation.WRITE, Topics.ROUTER_MODELS, Topics.AGENT_MEMORIES);
        topics(acls, principal, AclOperation.READ, Topics.MODEL_EVENTS, Topics.ROUTER_HEALTH, Topics.AGENT_MEMORIES);
        acls.add(binding(ResourceType.GROUP, MODELS_COMMAND_GROUP_PREFIX, PatternType.PREFIXED, principal, AclOperation.READ));
        acls.add(binding(ResourceType.TRANSACTIONAL_ID, IMPORT_TRANSACTION_PREFIX, PatternType.PREFIXED, principal, AclOperation.WRITE));
        return acls;
    }

    /**
     * The routing job ({@code run}, {@code submit}, {@code flink run}) with consumer group {@code groupId}
     * ({@code --group-id}): reads its inputs, writes its outputs (router-models too: the rollout judge's automatic
     * rollbacks; agent-memories: learned memories and the {@code --store} seed); its groups ({@code groupId},
     * {@code groupId-feedback}, {@code -memories}, {@code -models}) and the exactly-once sinks' transactional
     * ids ({@code groupId-<topic>-...}) share the prefix {@code groupId}.
     */
    public static List<AclBinding> job(String principal, String groupId) {
        List<AclBinding> acls = new ArrayList<>();
        topics(acls, principal, AclOperation.READ, Topics.AGENT_QUERIES, Topics.ROUTING_FEEDBACK, Topics.AGENT_MEMORIES,
                Topics.ROUTER_MODELS);
        topics(acls, principal, AclOperation.WRITE, Topics.ROUTING_DECISIONS, Topics.ROUTING_METRICS, Topics.AGENT_QUERIES_DLQ,
                Topics.MODEL_EVENTS, Topics.ROUTER_HEALTH, Topics.AGENT_MEMORIES, Topics.ROUTER_MODELS);
        acls.add(binding(ResourceType.GROUP, groupId, PatternType.PREFIXED, principal, AclOperation.READ));
        acls.add(binding(ResourceType.TRANSACTIONAL_ID, groupId, PatternType.PREFIXED, principal, AclOperation.WRITE));
        return acls;
    }

    /**
     * Creates the ACLs and returns once the broker answering {@code admin} enforces them all: the controller
     * commits them to the metadata log and each broker's authorizer applies them a moment later, so a client
     * started right after createAcls returned could still be refused.
     */
    public static void apply(Admin admin, Collection<AclBinding> acls, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            admin.createAcls(acls).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            Set<AclBinding> missing = new HashSet<>(acls);
            while (true) {
                missing.removeAll(admin.describeAcls(AclBindingFilter.ANY).values()
                        .get(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())), TimeUnit.MILLISECONDS));
                if (missing.isEmpty()) return;
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("ACLs created but not in force within " + timeout + ": " + missing);
                }
                Thread.sleep(50);
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not create ACLs: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("could not create ACLs within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating ACLs", e);
        }
    }

    /**
     * The same ACLs as {@code kafka-acls.sh} commands, one per principal, resource type and operation, each naming
     * all its resources. {@code connectionArgs} goes after the script's name, e.g.
     * {@code --bootstrap-server HOST:PORT --command-config admin.properties}.
     */
    public static List<String> kafkaAclsCommands(List<AclBinding> acls, String connectionArgs) {
        Map<String, Set<String>> resourcesByCommand = new LinkedHashMap<>();
        for (AclBinding acl : acls) {
            ResourcePattern r = acl.pattern();
            AccessControlEntry e = acl.entry();
            String head = "kafka-acls.sh " + connectionArgs + " --add --allow-principal " + e.principal()
                    + " --operation " + capitalized(e.operation().name())
                    + (r.patternType() == PatternType.PREFIXED ? " --resource-pattern-type prefixed" : "");
            resourcesByCommand.computeIfAbsent(head, k -> new TreeSet<>()).add(option(r.resourceType()) + " " + r.name());
        }
        List<String> commands = new ArrayList<>();
        resourcesByCommand.forEach((head, resources) -> commands.add(head + " " + String.join(" ", resources)));
        return commands;
    }

    private static void topics(List<AclBinding> acls, String principal, AclOperation operation, String... topics) {
        for (String topic : topics) acls.add(binding(ResourceType.TOPIC, topic, PatternType.LITERAL, principal, operation));
    }

    private static AclBinding binding(ResourceType type, String name, PatternType pattern, String principal, AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW));
    }

    private static String option(ResourceType type) {
        return switch (type) {
            case TOPIC -> "--topic";
            case GROUP -> "--group";
            case TRANSACTIONAL_ID -> "--transactional-id";
            default -> throw new IllegalArgumentException("no kafka-acls.sh option for " + type);
        };
    }

    private static String capitalized(String name) {
        return name.charAt(0) + name.substring(1).toLowerCase(Locale.ROOT);
    }
}
