import { type Kysely, sql } from 'kysely';

// The exclusion constraint keyed the GiST index by the MAC text, and
// btree_gist's text support made every insert about four times dearer than
// an int8 key. device_key is the MAC's 48 bits as an int8 (the WAN device
// Internet is -1), one to one with the canonical MAC, so the constraint on
// (device_key, period) forbids exactly the overlaps the old one did.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function device_key(mac text) returns int8
    language sql immutable strict parallel safe
    return case when mac = 'Internet' then -1
      else ('x' || lpad(replace(mac, ':', ''), 16, '0'))::bit(64)::int8 end
  `.execute(db);
  await sql`alter table sessions
    add column device_key int8 generated always as (device_key(mac)) stored`.execute(db);
  await sql`alter table sessions drop constraint sessions_no_overlap`.execute(db);
  await sql`alter table sessions add constraint sessions_no_overlap
    exclude using gist (device_key with =, period with &&)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table sessions drop constraint sessions_no_overlap`.execute(db);
  await sql`alter table sessions add constraint sessions_no_overlap
    exclude using gist (mac with =, period with &&)`.execute(db);
  await sql`alter table sessions drop column device_key`.execute(db);
  await sql`drop function device_key(text)`.execute(db);
}
