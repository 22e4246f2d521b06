import type { Kysely } from 'kysely';
import { columnTypes } from '../migration-kit.ts';

/**
 * Accounts and access: people, their roles and links to dwellings, ESCO organisations and
 * their buildings, sessions with rotating refresh tokens, machine tokens, account requests,
 * the e-mail outbox, login throttling and the audit log. Secrets are stored only as hashes.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);

  await t
    .withId(db.schema.createTable('organisation'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('organisation_building')
    .addColumn('organisation_id', 'bigint', (c) =>
      c.notNull().references('organisation.id').onDelete('cascade'),
    )
    .addColumn('building_id', 'bigint', (c) => c.notNull().references('building.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('organisation_building_pk', ['organisation_id', 'building_id'])
    .execute();

  // `email_key` is the e-mail trimmed and lower-cased: unique whatever the case it was typed in.
  // `authz_version` grows whenever roles or links change, so cached permissions are re-read.
  await t
    .withId(db.schema.createTable('app_user'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('email_key', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull().defaultTo('en'))
    .addColumn('password_hash', 'text')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('organisation_id', 'bigint', (c) => c.references('organisation.id').onDelete('set null'))
    .addColumn('authz_version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('password_changed_at', 'bigint')
    .addColumn('last_login_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('app_user_organisation_idx').on('app_user').column('organisation_id').execute();

  await db.schema
    .createTable('user_role')
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('app_user.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_role_pk', ['user_id', 'role'])
    .execute();
  await db.schema.createIndex('user_role_role_idx').on('user_role').column('role').execute();

  await db.schema
    .createTable('user_dwelling')
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('app_user.id').onDelete('cascade'))
    .addColumn('dwelling_id', 'bigint', (c) => c.notNull().references('dwelling.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('user_dwelling_pk', ['user_id', 'dwelling_id'])
    .execute();
  await db.schema
    .createIndex('user_dwelling_dwelling_idx')
    .on('user_dwelling')
    .column('dwelling_id')
    .execute();

  // A session is one login; its refresh tokens form a family: replaying a used one ends it.
  await t
    .withId(db.schema.createTable('auth_session'))
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('app_user.id').onDelete('cascade'))
    .addColumn('csrf_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('revoked_reason', 'text')
    .addColumn('ip', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('user_agent', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema.createIndex('auth_session_user_idx').on('auth_session').column('user_id').execute();
  await db.schema.createIndex('auth_session_expires_idx').on('auth_session').column('expires_at').execute();

  await t
    .withId(db.schema.createTable('refresh_token'))
    .addColumn('session_id', 'bigint', (c) => c.notNull().references('auth_session.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('refresh_token_session_idx').on('refresh_token').column('session_id').execute();

  // Single-use links: password reset, and the first password of an invited or approved account.
  await t
    .withId(db.schema.createTable('password_token'))
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('app_user.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('password_token_user_idx')
    .on('password_token')
    .columns(['user_id', 'created_at'])
    .execute();

  // Restrictions are JSON arrays of ids (empty = none).
  await t
    .withId(db.schema.createTable('machine_token'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('gateway_ids', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('building_ids', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_by', 'bigint', (c) => c.references('app_user.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .execute();

  await t
    .withId(db.schema.createTable('account_request'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('organisation', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull().defaultTo('en'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('ip', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('decided_at', 'bigint')
    .addColumn('decided_by', 'bigint', (c) => c.references('app_user.id').onDelete('set null'))
    .addColumn('decision_note', 'text')
    .addColumn('user_id', 'bigint', (c) => c.references('app_user.id').onDelete('set null'))
    .execute();
  await db.schema
    .createIndex('account_request_status_idx')
    .on('account_request')
    .columns(['status', 'id'])
    .execute();

  await t
    .withId(db.schema.createTable('mail_outbox'))
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('template', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .addColumn('error', 'text')
    .execute();

  // Failed logins per account and per address, shared by every replica.
  await db.schema
    .createTable('login_throttle')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('locked_until', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await t
    .withId(db.schema.createTable('audit_event'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor_kind', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'bigint')
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'text')
    .addColumn('ip', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('detail', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema.createIndex('audit_event_at_idx').on('audit_event').column('at').execute();
  await db.schema.createIndex('audit_event_action_idx').on('audit_event').columns(['action', 'id']).execute();
  await db.schema
    .createIndex('audit_event_actor_idx')
    .on('audit_event')
    .columns(['actor_kind', 'actor_id', 'id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'audit_event',
    'login_throttle',
    'mail_outbox',
    'account_request',
    'machine_token',
    'password_token',
    'refresh_token',
    'auth_session',
    'user_dwelling',
    'user_role',
    'app_user',
    'organisation_building',
    'organisation',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
