package org.agentrouter.routing;

import java.io.Serializable;
import java.util.List;

/**
 * Routes (tiers) from cheapest to strongest with the LLM each maps to and its price. The order is
 * the routing order: a conformal prediction set is covered by its most expensive member.
 */
public final class PricingTable implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final class Tier implements Serializable {
        private static final long serialVersionUID = 1L;
        public final String route;
        public final String model;
        public final double usdPerMillionInputTokens;
        public final double usdPerMillionOutputTokens;
        public final int expectedOutputTokens;

        public Tier(String route, String model, double usdPerMillionInputTokens, double usdPerMillionOutputTokens,
                    int expectedOutputTokens) {
            if (usdPerMillionInputTokens < 0 || usdPerMillionOutputTokens < 0 || expectedOutputTokens < 0) {
                throw new IllegalArgumentException("prices and token counts must be >= 0 for route " + route);
            }
            this.route = route;
            this.model = model;
            this.usdPerMillionInputTokens = usdPerMillionInputTokens;
            this.usdPerMillionOutputTokens = usdPerMillionOutputTokens;
            this.expectedOutputTokens = expectedOutputTokens;
        }
    }

    private final List<Tier> tiers;

    public PricingTable(List<Tier> tiers) {
        if (tiers.size() < 2) {
            throw new IllegalArgumentException("a router needs at least two routes, got " + tiers.size());
        }
        this.tiers = List.copyOf(tiers);
    }

    /**
     * The two models whose real outcomes the shipped router was trained on (RouteLLM's MMLU data),
     * at list prices per million tokens: Mixtral-8x7B-Instruct as served by hosted APIs, and
     * GPT-4-1106-preview. Override in configuration for other models.
     */
    public static PricingTable defaults() {
        return new PricingTable(List.of(
                new Tier("cheap", "mixtral-8x7b-instruct", 0.60, 0.60, 300),
                new Tier("strong", "gpt-4-1106-preview", 10.00, 30.00, 300)));
    }

    public int size() {
        return tiers.size();
    }

    public Tier tier(int i) {
        return tiers.get(i);
    }

    public int strongest() {
        return tiers.size() - 1;
    }

    public int indexOf(String route) {
        for (int i = 0; i < tiers.size(); i++) {
            if (tiers.get(i).route.equals(route)) return i;
        }
        return -1;
    }

    public double costUsd(int tier, int inputTokens) {
        Tier t = tiers.get(tier);
        return (inputTokens * t.usdPerMillionInputTokens + t.expectedOutputTokens * t.usdPerMillionOutputTokens) / 1e6;
    }
}
