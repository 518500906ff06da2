import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../../log/logger';
import type { SmsMessage, SmsMessagesRepository } from '../../store/sms-messages';
import { InvalidStoreInput } from '../../store/validation';
import { INBOUND_STATUS, type HandleOutcome } from '../inbound/handler';
import { accessCheck, type AccessDecision, type WebhookAccess } from './access';
import { readInboundFields, type InboundFields } from './inbound-fields';
import { genericCandidate, kannelCandidate } from './gateway-formats';

export interface WebhookEndpoint extends WebhookAccess {
  /** Stored as the message's gateway; ids are deduplicated per gateway (default: the endpoint's name). */
  readonly gateway?: string;
}

export interface SmsWebhookOptions {
  messages: Pick<SmsMessagesRepository, 'recordInbound'>;
  handler: { handle(message: SmsMessage): Promise<HandleOutcome> };
  logger: Logger;
  /** POST /sms/inbound/generic; not mounted when absent. */
  generic?: WebhookEndpoint;
  /** GET|POST /sms/inbound/kannel; not mounted when absent. */
  kannel?: WebhookEndpoint;
  /** Largest body accepted (default 16kb: an SMS is at most a few kilobytes even when concatenated). */
  bodyLimit?: string;
}

type Extract = (req: Request) => Record<string, unknown> | null;
type Answer = (res: Response, result: { message: SmsMessage; duplicate: boolean; outcome?: HandleOutcome }) => void;

/**
 * Webhooks for SMS gateways (T2). Each request is checked (secret and/or client address), its
 * fields validated, the message stored, and only then acted on: a gateway re-posting an id it
 * already delivered gets 200 with duplicate = true and nothing is done again.
 */
export function smsWebhookRouter(options: SmsWebhookOptions): Router {
  const router = Router();
  const limit = options.bodyLimit ?? '16kb';
  router.use('/sms/inbound', express.json({ limit }), express.urlencoded({ extended: false, limit }), express.text({ type: 'text/*', limit }));

  if (options.generic) {
    const route = inboundRoute(options, 'generic', options.generic, genericCandidate, (res, { message, duplicate, outcome }) => {
      res.status(200).json({ id: message.id, duplicate, status: outcome?.status ?? message.status });
    });
    router.post('/sms/inbound/generic', route);
  }
  if (options.kannel) {
    // Kannel's smsbox could send a response body to the phone as a reply; replies go through sendsms instead.
    const route = inboundRoute(options, 'kannel', options.kannel, kannelCandidate, (res) => {
      res.status(200).end();
    });
    router.get('/sms/inbound/kannel', route);
    router.post('/sms/inbound/kannel', route);
  }

  router.use('/sms/inbound', (error: Error & { status?: number; type?: string }, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    if (error.type === 'entity.parse.failed') return sendError(res, 400, 'invalid_json', `the body is not valid JSON: ${error.message}`);
    if (error.type === 'entity.too.large') return sendError(res, 413, 'body_too_large', `the body is larger than ${limit}`);
    if (error.status && error.status >= 400 && error.status < 500) return sendError(res, error.status, 'bad_request', error.message);
    options.logger.error('SMS webhook failed', { error });
    return sendError(res, 500, 'internal', 'the message could not be stored; try again');
  });
  return router;
}

function inboundRoute(options: SmsWebhookOptions, endpoint: string, config: WebhookEndpoint, extract: Extract, answer: Answer) {
  const check = accessCheck(`/sms/inbound/${endpoint}`, config);
  const gateway = config.gateway ?? endpoint;
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const access: AccessDecision = check(req);
    if (!access.ok) {
      options.logger.warn('SMS webhook call refused', { endpoint, reason: access.message, address: req.ip });
      return sendError(res, access.status, access.code, access.message);
    }
    const candidate = extract(req);
    if (candidate === null) return sendError(res, 400, 'invalid_body', 'expected a JSON object or a form with from, to, text and id');
    const read = readInboundFields(candidate);
    if (!read.ok) return sendError(res, 400, 'invalid_field', read.message, read.field);
    try {
      const { message, created } = await record(options, gateway, read.fields);
      // A copy stored but never handled (its process stopped first): the re-delivery handles it.
      if (!created && message.status === INBOUND_STATUS.received) {
        options.logger.warn('SMS delivered again and never handled; handling it now', { gateway, smsId: message.id });
        return answer(res, { message, duplicate: true, outcome: await options.handler.handle(message) });
      }
      if (!created) {
        options.logger.info('SMS delivered again by the gateway; ignored', { gateway, gatewayMessageId: message.gatewayMessageId, smsId: message.id });
        return answer(res, { message, duplicate: true });
      }
      options.logger.info('SMS received', { gateway, smsId: message.id, from: message.from });
      const outcome = await options.handler.handle(message);
      return answer(res, { message, duplicate: false, outcome });
    } catch (error) {
      if (error instanceof InvalidStoreInput) return sendError(res, 400, 'invalid_field', error.issues);
      return next(error);
    }
  };
}

function record(options: SmsWebhookOptions, gateway: string, fields: InboundFields) {
  return options.messages.recordInbound({ gateway, gatewayMessageId: fields.id, from: fields.from, to: fields.to, text: fields.text });
}

function sendError(res: Response, status: number, code: string, message: string, field?: string): void {
  res.status(status).json({ error: { code, message, ...(field === undefined ? {} : { field }) } });
}
