import { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;
const HistoryMessage = temporal.api.history.v1.History;

// The protobufjs reflection of @temporalio/proto itself (the SDK's historyToJSON goes through a
// second protobufjs copy under @temporalio/common and fails with "type must be a Type" here).
// Enum names, 64-bit numbers as strings and bytes as base64 keep the files readable and diffable.
const conversion = { longs: String, enums: String, bytes: String } as const;

export function historyToObject(history: History): Record<string, unknown> {
  return HistoryMessage.toObject(HistoryMessage.fromObject(history), conversion);
}

export function historyFromObject(json: unknown): temporal.api.history.v1.History {
  return HistoryMessage.fromObject(json as Record<string, unknown>);
}
