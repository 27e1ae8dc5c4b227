export interface SseMessage {
  event: string;
  data: unknown;
  id: string | undefined;
}
export function createSseParser(): (chunk: string) => SseMessage[];
