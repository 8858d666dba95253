package org.agentrouter.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.agentrouter.deploy.DashboardQueries;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/**
 * The ACL sets of README "Authenticated Kafka": the kafka-acls.sh commands there are exactly those
 * {@link RouterAcls} makes (what AuthenticatedKafkaEndToEndTest applies), and only the job and operators
 * may write router-models.
 */
class RouterAclsTest {
    static final String CONNECTION_ARGS = "--bootstrap-server $BOOTSTRAP --command-config admin.properties";

    static List<AclBinding> documented() {
        List<AclBinding> acls = new ArrayList<>(RouterAcls.job("User:router", "agent-router"));
        acls.addAll(RouterAcls.agent("User:agent"));
        acls.addAll(RouterAcls.operator("User:operator"));
        return acls;
    }

    @Test
    void theReadmeShowsExactlyTheseKafkaAclsCommands() throws Exception {
        // Shell line continuations joined, so a long command may wrap in the README.
        String readme = Files.readString(DashboardQueries.repo().resolve("README.md")).replaceAll("\\\\\\n\\s*", "");
        List<String> inReadme = readme.lines().map(String::strip).filter(l -> l.startsWith("kafka-acls.sh ")).toList();
        List<String> expected = RouterAcls.kafkaAclsCommands(documented(), CONNECTION_ARGS);
        assertEquals(expected, inReadme, "README \"Authenticated Kafka\" should list, in this order:\n" + String.join("\n", expected));
    }

    @Test
    void onlyTheJobAndOperatorsWriteRouterModelsAndAgentsOnlyTheirTwoTopics() {
        Set<String> writers = documented().stream()
                .filter(a -> a.pattern().resourceType() == ResourceType.TOPIC && a.pattern().name().equals(Topics.ROUTER_MODELS)
                        && a.entry().operation() == AclOperation.WRITE)
                .map(a -> a.entry().principal()).collect(Collectors.toSet());
        assertEquals(Set.of("User:router", "User:operator"), writers);
        Set<String> agentWrites = RouterAcls.agent("User:agent").stream()
                .filter(a -> a.entry().operation() == AclOperation.WRITE).map(a -> a.pattern().name()).collect(Collectors.toSet());
        assertEquals(Set.of(Topics.AGENT_QUERIES, Topics.ROUTING_FEEDBACK), agentWrites);
        assertFalse(documented().stream().anyMatch(a -> a.entry().operation() == AclOperation.ALL), "least privilege: no ALL");
        // Every topic the job's preflight requires is visible to it (READ or WRITE imply DESCRIBE).
        Set<String> jobTopics = RouterAcls.job("User:router", "g").stream()
                .filter(a -> a.pattern().resourceType() == ResourceType.TOPIC).map(a -> a.pattern().name()).collect(Collectors.toSet());
        assertTrue(jobTopics.containsAll(LocalRouterJob.REQUIRED_TOPICS), jobTopics.toString());
    }
}
