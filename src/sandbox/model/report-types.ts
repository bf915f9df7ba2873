/** `artifacts:reports` types: the format Rails asks for and the default file name (§5.2). */

const GZIP = new Set([
  'junit',
  'metrics',
  'metrics_referee',
  'network_referee',
  'dotenv',
  'cobertura',
  'jacoco',
  'cluster_applications',
  'cyclonedx',
  'annotations',
  'repository_xray',
]);

const RAW = new Set([
  'sast',
  'secret_detection',
  'dependency_scanning',
  'container_scanning',
  'cluster_image_scanning',
  'dast',
  'license_scanning',
  'accessibility',
  'codequality',
  'performance',
  'browser_performance',
  'load_performance',
  'terraform',
  'requirements',
  'requirements_v2',
  'coverage_fuzzing',
  'api_fuzzing',
]);

const DEFAULT_NAMES: Record<string, string> = {
  junit: 'junit.xml',
  cobertura: 'cobertura-coverage.xml',
  jacoco: 'jacoco-coverage.xml',
  dotenv: '.env',
  sast: 'gl-sast-report.json',
  secret_detection: 'gl-secret-detection-report.json',
  dependency_scanning: 'gl-dependency-scanning-report.json',
  container_scanning: 'gl-container-scanning-report.json',
  dast: 'gl-dast-report.json',
  codequality: 'gl-code-quality-report.json',
  cyclonedx: 'gl-sbom.cdx.json',
  annotations: 'gl-annotations.json',
  metrics: 'metrics.txt',
  terraform: 'tfplan.json',
  accessibility: 'gl-accessibility.json',
  browser_performance: 'browser-performance.json',
  load_performance: 'load-performance.json',
  requirements: 'requirements.json',
};

export const ARTIFACT_FORMATS = ['raw', 'zip', 'gzip'] as const;

export function isKnownReportType(type: string): boolean {
  return GZIP.has(type) || RAW.has(type);
}

export function reportFormat(type: string): 'gzip' | 'raw' {
  return RAW.has(type) ? 'raw' : 'gzip';
}

export function reportDefaultName(type: string): string {
  return DEFAULT_NAMES[type] ?? `${type}.json`;
}
