package dev.ledgerbox.audit.internal;

/**
 * The context stored with every audit row of one transaction, captured when its first audited
 * change is seen.
 */
record CapturedContext(
        String actorId,
        String actorName,
        String actorEmail,
        String tenantId,
        String correlationId,
        String traceId,
        String clientIp,
        String userAgent,
        String action,
        String reason) {}
