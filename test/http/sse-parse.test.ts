/** The SSE framing (src/http/sse-parse.js) that the discovery client, the console pages and the route tests share. */
import { describe, expect, it } from "vitest";
import { createSseParser } from "../../src/http/sse-parse.js";

describe("createSseParser", () => {
  it("parses events split anywhere across chunks, with ids, JSON data and comments", () => {
    const text = ': keep-alive\n\nretry: 2000\n\nid: 7\nevent: snapshot\ndata: {"f":60.01}\n\ndata: plain text\n\n';
    for (let cut = 0; cut <= text.length; cut++) {
      const feed = createSseParser();
      const messages = [...feed(text.slice(0, cut)), ...feed(text.slice(cut))];
      expect(messages, `cut at ${cut}`).toEqual([
        { event: "snapshot", data: { f: 60.01 }, id: "7" },
        { event: "message", data: "plain text", id: undefined },
      ]);
    }
  });

  it("joins multi-line data, accepts CRLF line ends and fields without a space or a value", () => {
    const feed = createSseParser();
    expect(feed("event:cycle\r\ndata:[1,\r\ndata:2]\r\n\r\nevent: empty\ndata\n\n")).toEqual([
      { event: "cycle", data: [1, 2], id: undefined },
      { event: "empty", data: "", id: undefined },
    ]);
  });

  it("holds back an unfinished message and drops blocks without data", () => {
    const feed = createSseParser();
    expect(feed("event: a\n\nid: 3\n\nevent: b\ndata: 1\n")).toEqual([]);
    expect(feed("\n")).toEqual([{ event: "b", data: 1, id: undefined }]);
  });

  it("leaves data as text with json: false", () => {
    expect(createSseParser({ json: false })('id: 9\ndata: {"a":1}\n\n')).toEqual([{ event: "message", data: '{"a":1}', id: "9" }]);
  });
});
