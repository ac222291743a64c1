import type { Router } from 'express';
import { z } from 'zod';
import { EVENT_TYPES, eventsAfter, latestEvents } from '../../services/events';
import { ValidationError } from '../../services/errors';
import type { ApiDeps } from '../app';
import type { EventStream } from '../event-stream';
import { apiRouter } from '../openapi';

const eventId = z.string().regex(/^\d{1,18}$/, 'an event id (digits)');
const eventsQuery = z.object({
  since: eventId.optional().describe('events after this id (the stream replays them first; Last-Event-ID, when sent, wins)'),
  types: z
    .string()
    .optional()
    .describe(`comma-separated event types: ${EVENT_TYPES.join(', ')}`)
    .transform((list, ctx) => {
      const types = (list ?? '').split(',').map((t) => t.trim()).filter(Boolean);
      const unknown = types.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
      if (unknown.length > 0) ctx.addIssue({ code: 'custom', message: `unknown event type(s) ${unknown.join(', ')}; known: ${EVENT_TYPES.join(', ')}` });
      return types;
    }),
  limit: z.coerce.number().int().min(1).max(500).default(100).describe('JSON answers only: events per page'),
});
const eventView = z.object({ id: z.string(), type: z.enum(EVENT_TYPES), runId: z.string().nullable(), createdAt: z.string(), data: z.looseObject({}) });

/**
 * `GET /events`: with `Accept: text/event-stream` (what EventSource sends) a live stream of run
 * progress, outcomes and new trends, each message with its outbox id, so a client that reconnects
 * with Last-Event-ID gets what it missed; otherwise one JSON page of events, for polling and scripts.
 */
export function eventsRouter({ db }: ApiDeps, stream: EventStream): Router {
  const r = apiRouter();
  r.get(
    '/events',
    {
      summary: 'Run progress, outcomes and new trends: a server-sent event stream, or a JSON page',
      description:
        'With `Accept: text/event-stream`, each message has `event: <type>`, `id: <event id>` and `data: {id, type, runId, createdAt, data}`; ' +
        'send `Last-Event-ID` (browsers do on reconnect) or `?since=<id>` to replay what came after that id. ' +
        'Otherwise: JSON, the events after `since` (or the newest ones), oldest first; poll again with `since=lastEventId`.',
      tags: ['events'],
      query: eventsQuery,
      responses: {
        200: {
          description: 'the event stream (comments keep it alive), or a page of events as JSON',
          schema: z.object({ events: z.array(eventView), lastEventId: z.string().nullable() }),
        },
      },
    },
    async ({ query }, req, res) => {
      const header = req.get('last-event-id')?.trim();
      if (header !== undefined && !eventId.safeParse(header).success) {
        throw new ValidationError('invalid Last-Event-ID', [{ path: 'Last-Event-ID', message: 'an event id (digits)' }]);
      }
      const since = header ?? query.since;
      if (req.accepts(['application/json', 'text/event-stream']) === 'text/event-stream') {
        return stream.subscribe(req, res, { after: since, types: query.types });
      }
      const o = { types: query.types, limit: query.limit };
      const events = since === undefined ? await latestEvents(db, o) : await eventsAfter(db, since, o);
      res.json({ events, lastEventId: events.at(-1)?.id ?? since ?? null });
    },
  );
  return r.router;
}
