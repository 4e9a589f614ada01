// The server's event streams as an independent parser reads them (eventsource-parser, the parser
// behind many EventSource clients), not the project's own src/client/sse.ts: a mistake the two share in
// framing would otherwise pass unseen.
import { createParser } from 'eventsource-parser';

/** One message of a text/event-stream: an event (type 'message' when unnamed, as EventSource does) or a comment. */
export type StreamMessage =
  { kind: 'event'; id: string | undefined; event: string; data: string } | { kind: 'comment'; text: string };

/** Reads a text/event-stream body message by message until the server closes it. */
export async function* readEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<StreamMessage> {
  const ready: StreamMessage[] = [];
  const parser = createParser({
    onEvent: ({ id, event, data }) => ready.push({ kind: 'event', id, event: event ?? 'message', data }),
    onComment: (text) => ready.push({ kind: 'comment', text }),
    onError: (error) => {
      throw error;
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    yield* ready.splice(0);
  }
  parser.feed(decoder.decode());
  yield* ready.splice(0);
}
