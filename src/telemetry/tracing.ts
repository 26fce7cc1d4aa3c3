import { DiagLogLevel, SpanKind, SpanStatusCode, context, diag, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { MiddlewareHandler } from 'hono';
import type { TracingSettings } from '../config.js';
import type { LogFields, Logger } from '../log.js';

/** What a marketplace call's span is named and labelled with, once the observe path knows it. */
export interface CallAttributes {
  family?: string;
  activity?: string;
  resultCode: string;
}

/** OpenTelemetry tracing of the marketplace's calls: one span per call, its ids in the log lines written during it. */
export interface CallTracing {
  /** Middleware that opens the call's span, active while the call runs and ended with its answer. */
  enter: MiddlewareHandler;
  /** Names and labels the active call's span. */
  annotate(attributes: CallAttributes): void;
  /** Marks the active call's span failed: an error no handler answered. */
  failed(error: Error): void;
  /** The logger with `traceId` and `spanId` of the active span on every line written while there is one. */
  withIds(logger: Logger): Logger;
  /** Sends the spans still queued, then stops. */
  shutdown(): Promise<void>;
}

/**
 * The standard SDK: NodeTracerProvider, BatchSpanProcessor, the OTLP/HTTP JSON exporter to `settings.tracesUrl`, the
 * service named `settings.serviceName` (docs/decisions.md#23). Loaded by dynamic import only when tracing is
 * configured. The SDK reads its own OTEL_* tuning (OTEL_EXPORTER_OTLP_HEADERS, OTEL_BSP_*, OTEL_TRACES_SAMPLER).
 */
export function startTracing(settings: TracingSettings, logger: Logger): CallTracing {
  diag.setLogger({ error: sdkProblems(logger), warn: sdkProblems(logger), info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.tracesUrl }))],
  });
  provider.register();
  const tracer = provider.getTracer('kgkit');

  // A call answered at the deadline goes on after its span ended (the answer ends it): what it learns later is not
  // added to a finished span, which the SDK would only complain about.
  const recording = () => {
    const span = trace.getActiveSpan();
    return span?.isRecording() ? span : undefined;
  };
  const ids = (): LogFields | undefined => {
    const span = trace.getActiveSpan();
    if (span === undefined) return undefined;
    const { traceId, spanId } = span.spanContext();
    return { traceId, spanId };
  };
  const tagged =
    (write: Logger['info']): Logger['info'] =>
    (message, fields) => {
      const active = ids();
      write(message, active === undefined ? fields : { ...active, ...fields });
    };

  return {
    enter: async (c, next) => {
      const span = tracer.startSpan(`${c.req.method} ${c.req.routePath}`, {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': c.req.method, 'url.path': c.req.path },
      });
      try {
        await context.with(trace.setSpan(context.active(), span), next);
      } finally {
        span.setAttribute('http.response.status_code', c.res.status);
        span.end();
      }
    },
    annotate({ family, activity, resultCode }) {
      const span = recording();
      if (span === undefined) return;
      if (family !== undefined) span.updateName(`${family} ${activity ?? 'unknown'}`);
      span.setAttributes({
        ...(family !== undefined ? { 'kgkit.family': family, 'kgkit.activity': activity ?? 'unknown' } : {}),
        'kgkit.result_code': resultCode,
      });
    },
    failed(error) {
      const span = recording();
      span?.recordException(error);
      span?.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    },
    withIds: (base) => ({
      debug: tagged((message, fields) => base.debug(message, fields)),
      info: tagged((message, fields) => base.info(message, fields)),
      warn: tagged((message, fields) => base.warn(message, fields)),
      error: tagged((message, fields) => base.error(message, fields)),
    }),
    shutdown: () => provider.shutdown(),
  };
}

/** How often the SDK's complaints (a collector that does not answer fails every batch) may reach the log. */
const QUIET_MS = 60_000;

/**
 * The SDK's diagnostics (export failures, mostly) as kgkit's warnings: the error's message rather than the SDK's JSON
 * of it with its stack, at most one line a minute, saying how many were left out.
 */
function sdkProblems(logger: Logger): (message: string) => void {
  let quietUntil = 0;
  let left = 0;
  return (message) => {
    const now = Date.now();
    if (now < quietUntil) {
      left += 1;
      return;
    }
    quietUntil = now + QUIET_MS;
    logger.warn('tracing: the OpenTelemetry SDK reports a problem', { detail: readable(message), ...(left > 0 ? { leftOut: left } : {}) });
    left = 0;
  };
}

function readable(message: string): string {
  try {
    const error = JSON.parse(message) as { message?: unknown };
    if (typeof error.message === 'string') return error.message.slice(0, 500);
  } catch {}
  return message.slice(0, 500);
}
