import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * corridor_feed_horizon(): the oldest transaction id (xid8, as bigint) still running in THIS
 * database, or the next id to be assigned when none is. persona_history is read in (xact_id, id)
 * order up to it, so a row whose transaction commits late is never skipped. The cluster-wide
 * pg_snapshot_xmin(pg_current_snapshot()) also waited for transactions in other databases (another
 * tenant, a long report, a test), holding write-back back for as long as they ran.
 * pg_stat_activity shows a 32-bit backend_xid; its epoch is taken from the snapshot's xmax (a
 * running xid is at most 2^31 behind it). Sessions of other roles show no xid: only Corridor's
 * role writes persona_history.
 */
export class FeedHorizon1796750000000 implements MigrationInterface {
  name = 'FeedHorizon1796750000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION corridor_feed_horizon() RETURNS bigint LANGUAGE sql STABLE AS $$
        WITH s AS (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS xmax),
             running AS (
               SELECT ((s.xmax >> 32) << 32) | a.backend_xid::text::bigint AS xid, s.xmax
                 FROM s, pg_stat_activity a
                WHERE a.datname = current_database() AND a.backend_xid IS NOT NULL)
        SELECT coalesce(
                 (SELECT min(CASE WHEN xid >= xmax THEN xid - 4294967296 ELSE xid END) FROM running),
                 (SELECT xmax FROM s))
      $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION IF EXISTS corridor_feed_horizon()`);
  }
}
