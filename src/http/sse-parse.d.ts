export interface SseMessage {
  event: string;
  data: unknown;
  id: string | undefined;
}
/** `json: false` leaves data as the text that came. */
export function createSseParser(options?: { json?: boolean }): (chunk: string) => SseMessage[];
