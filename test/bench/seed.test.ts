import t from 'tap';
import { deviceSessions, generator, seededMac } from '../../bench/seed.js';

t.test('seeded sessions never overlap', async (t) => {
  for (const index of [0, 1, 49, 50, 4999]) {
    const sessions = deviceSessions(index, 200, generator(index));
    t.equal(sessions.length, 200, `device ${index} count`);
    for (let number = 1; number < sessions.length; number++) {
      const previous = sessions[number - 1]!;
      t.ok(previous.end !== null && previous.end <= sessions[number]!.start,
        `device ${index} session ${number} starts after the previous end`);
    }
  }
});

t.test('seeded durations stay in range', async (t) => {
  const sessions = deviceSessions(7, 200, generator(7));
  for (const session of sessions) {
    const minutes = Number((session.end! - session.start) / 60_000_000n);
    t.ok(minutes >= 4 && minutes <= 720, `duration ${minutes} minutes`);
  }
});

t.test('every 50th seeded device is connected', async (t) => {
  t.equal(deviceSessions(50, 200, generator(50)).at(-1)?.end, null);
  t.not(deviceSessions(51, 200, generator(51)).at(-1)?.end, null);
});

t.test('seed repeats for one seed', async (t) => {
  t.same(deviceSessions(3, 20, generator(3)), deviceSessions(3, 20, generator(3)));
  t.equal(seededMac(4999), '02:00:00:00:13:87');
});
