/**
 * Wire formats of the double's answers: query-protocol XML (Auto Scaling), ec2-protocol XML,
 * and AWS JSON, for results and for errors, each with a request id.
 */
import { escapeXml, toXml, type XmlValue } from './xml.js';

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type Protocol = 'query' | 'ec2' | 'json1.0' | 'json1.1';

export function queryResult(
  action: string,
  namespace: string,
  result: XmlValue | undefined,
  requestId: string,
): WireResponse {
  const inner =
    result === undefined ? '' : `<${action}Result>${toXml(result, 'member')}</${action}Result>`;
  return {
    status: 200,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${namespace}">${inner}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  };
}

export function ec2Result(
  action: string,
  namespace: string,
  result: XmlValue,
  requestId: string,
): WireResponse {
  return {
    status: 200,
    headers: { 'content-type': 'text/xml;charset=UTF-8' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${namespace}"><requestId>${requestId}</requestId>${toXml(result, 'item')}</${action}Response>`,
  };
}

export function jsonResult(
  protocol: 'json1.0' | 'json1.1',
  result: unknown,
  requestId: string,
): WireResponse {
  return {
    status: 200,
    headers: {
      'content-type': `application/x-amz-${protocol.replace('json', 'json-')}`,
      'x-amzn-requestid': requestId,
    },
    body: JSON.stringify(result),
  };
}

export interface ErrorDetails {
  code: string;
  message: string;
  status: number;
  /** For awsQuery-compatible JSON services (SQS): the query error code. */
  queryCode?: string;
  /** Namespace prefix of `__type` for JSON 1.0 services, e.g. `com.amazonaws.sqs#`. */
  typePrefix?: string;
}

export function errorResponse(
  protocol: Protocol,
  namespace: string,
  e: ErrorDetails,
  requestId: string,
): WireResponse {
  const code = escapeXml(e.code);
  const message = escapeXml(e.message);
  switch (protocol) {
    case 'query':
      return {
        status: e.status,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${namespace}"><Error><Type>${e.status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    case 'ec2':
      return {
        status: e.status,
        headers: { 'content-type': 'text/xml;charset=UTF-8' },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
      };
    case 'json1.0':
    case 'json1.1': {
      const headers: Record<string, string> = {
        'content-type': `application/x-amz-${protocol.replace('json', 'json-')}`,
        'x-amzn-requestid': requestId,
        'x-amzn-errortype': e.code,
      };
      if (e.queryCode)
        headers['x-amzn-query-error'] = `${e.queryCode};${e.status >= 500 ? 'Receiver' : 'Sender'}`;
      return {
        status: e.status,
        headers,
        body: JSON.stringify({ __type: `${e.typePrefix ?? ''}${e.code}`, message: e.message }),
      };
    }
  }
}
