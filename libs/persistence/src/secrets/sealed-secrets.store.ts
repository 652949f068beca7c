import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SecretBox } from './secret-box';

/** Every column that holds a value sealed by SecretBox. A new sealed column must be added here. */
const SEALED_COLUMNS = [
  { table: 'connections', column: 'credentials_encrypted' },
  { table: 'destinations', column: 'secret_encrypted' },
] as const;

export interface ReencryptCount {
  table: string;
  column: string;
  /** Sealed values found. */
  total: number;
  /** Re-sealed with the current key now (the rest already were). */
  resealed: number;
}

/**
 * Re-seals every stored secret with the current SECRETS_KEY, so old keys can be dropped. Each table
 * is done in one transaction with its rows locked (a concurrent edit waits rather than being
 * overwritten); values already under the current key are left alone, so running it again changes
 * nothing. updated_at is not touched: nothing a user sees has changed.
 */
@Injectable()
export class SealedSecretsStore {
  constructor(
    private readonly db: DataSource,
    private readonly box: SecretBox,
  ) {}

  async reencryptAll(): Promise<ReencryptCount[]> {
    const counts: ReencryptCount[] = [];
    for (const { table, column } of SEALED_COLUMNS) {
      counts.push(
        await this.db.transaction(async (tx) => {
          const rows: Array<{ id: string; sealed: string }> = await tx.query(
            `SELECT id, ${column} AS sealed FROM ${table} WHERE ${column} IS NOT NULL ORDER BY id FOR UPDATE`,
          );
          let resealed = 0;
          for (const row of rows) {
            const next = this.box.reseal(row.sealed);
            if (next === null) continue;
            await tx.query(`UPDATE ${table} SET ${column} = $2 WHERE id = $1`, [row.id, next]);
            resealed++;
          }
          return { table, column, total: rows.length, resealed };
        }),
      );
    }
    return counts;
  }
}
