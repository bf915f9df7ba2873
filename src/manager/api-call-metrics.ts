/**
 * /metrics for the cloud API calls the manager's AWS clients made (platform/api-call-counts.ts):
 * `spotrunner_aws_api_requests_total`, `spotrunner_aws_api_retries_total` and
 * `spotrunner_aws_api_errors_total`, by service and operation (and error code), read from the
 * store when scraped.
 */
import { Counter, type Registry } from 'prom-client';
import type { ApiCallCounts } from '../platform/api-call-counts.js';

export function registerApiCallMetrics(registry: Registry, counts: ApiCallCounts): void {
  const registers = [registry];
  new Counter({
    name: 'spotrunner_aws_api_requests_total',
    help: 'AWS API calls since start by service and operation (one per call, retries included)',
    labelNames: ['service', 'operation'],
    registers,
    collect(this: Counter) {
      this.reset();
      for (const t of counts.tallies())
        this.inc({ service: t.service, operation: t.operation }, t.requests);
    },
  });
  new Counter({
    name: 'spotrunner_aws_api_retries_total',
    help: 'Attempts the AWS SDK retried, by service and operation',
    labelNames: ['service', 'operation'],
    registers,
    collect(this: Counter) {
      this.reset();
      for (const t of counts.tallies())
        this.inc({ service: t.service, operation: t.operation }, t.retries);
    },
  });
  new Counter({
    name: 'spotrunner_aws_api_errors_total',
    help: 'AWS API calls that failed after their retries, by service, operation and error code (NetworkingError: no answer)',
    labelNames: ['service', 'operation', 'code'],
    registers,
    collect(this: Counter) {
      this.reset();
      for (const t of counts.tallies()) {
        for (const [code, n] of Object.entries(t.errors))
          this.inc({ service: t.service, operation: t.operation, code }, n);
      }
    },
  });
}
