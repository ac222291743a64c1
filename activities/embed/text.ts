/** What gets embedded for an item: the headline carries the event; a short text prefix adds context. */
export function embeddingText(title: string, text: string): string {
  const body = text.trim().slice(0, 300);
  return body ? `${title.trim()}\n${body}` : title.trim();
}
