// Row-to-response mappers: the texts the contract defines for sessions,
// calendar items and event rows, rendered in the configured zone.
import type { CalendarItem, SessionEventResponse, SessionResponse } from '../../schemas/sessions.js';
import { type EventRow, MISSING_EVENT, type SessionRow } from './repository.js';
import {
  formatDuration,
  formatIsoInstant,
  formatWallMinute,
  formatWallSecond,
  type Instant,
  wholeSecondsBetween,
} from './time.js';

const OPEN = '...';
const COLOR_MISSING = '#f39c12';
const COLOR_OPEN = '#00a659';
const COLOR_CLOSED = '#0073b7';

function hasMissingSide(row: SessionRow): boolean {
  return row.connectionType === MISSING_EVENT || row.disconnectionType === MISSING_EVENT;
}

function connectionText(row: SessionRow, zone: string): string {
  return row.connectionType === MISSING_EVENT ? MISSING_EVENT : formatWallMinute(row.start, zone);
}

function disconnectionText(row: SessionRow, zone: string, openText: string): string {
  if (row.end === null) return openText;
  if (row.disconnectionType === MISSING_EVENT) return MISSING_EVENT;
  return formatWallMinute(row.end, zone);
}

/** Returns whole seconds of the session, to now while open; null for `...`. */
function durationSeconds(row: SessionRow, now: Instant): number | null {
  if (hasMissingSide(row)) return null;
  return Math.max(0, wholeSecondsBetween(row.start, row.end ?? now));
}

export function toSessionResponse(row: SessionRow, zone: string, now: Instant): SessionResponse {
  const seconds = durationSeconds(row, now);
  const knownEnd = row.end !== null && row.disconnectionType !== MISSING_EVENT;
  return {
    ses_ID: row.id,
    ses_MAC: row.mac,
    ses_IP: row.ip ?? '',
    ses_EventTypeConnection: row.connectionType,
    ses_Connection: connectionText(row, zone),
    ses_EventTypeDisconnection: row.end === null ? null : row.disconnectionType,
    ses_Disconnection: disconnectionText(row, zone, OPEN),
    ses_Duration: seconds === null ? OPEN : formatDuration(seconds),
    ses_Info: row.additionalInfo,
    ses_StillConnected: row.end === null,
    ses_ConnectionTime:
      row.connectionType === MISSING_EVENT ? null : formatIsoInstant(row.start, zone),
    ses_DisconnectionTime: knownEnd ? formatIsoInstant(row.end!, zone) : null,
    ses_DurationSeconds: seconds,
  };
}

function calendarColor(row: SessionRow): string {
  if (hasMissingSide(row)) return COLOR_MISSING;
  return row.end === null ? COLOR_OPEN : COLOR_CLOSED;
}

export function toCalendarItem(row: SessionRow, zone: string, now: Instant): CalendarItem {
  const tooltip = [
    `Connection: ${connectionText(row, zone)}`,
    `Disconnection: ${disconnectionText(row, zone, '<still connected>')}`,
    `IP: ${row.ip ?? ''}`,
  ].join('\n');
  return {
    resourceId: row.mac,
    title: '',
    start: formatWallSecond(row.start, zone),
    // An open session recorded slightly ahead of this clock ends at its start.
    end: formatWallSecond(row.end ?? (now > row.start ? now : row.start), zone),
    color: calendarColor(row),
    tooltip,
    className: 'no-border',
  };
}

export function toSessionEventResponse(row: EventRow, zone: string): SessionEventResponse {
  return {
    eve_MAC: row.mac,
    eve_DateTime: formatWallMinute(row.at, zone),
    eve_Time: formatIsoInstant(row.at, zone),
    eve_EventType: row.type,
    eve_IP: row.ip ?? '',
    eve_AdditionalInfo: row.additionalInfo,
  };
}
