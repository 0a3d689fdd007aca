import IdentityStorageSQL

/// Refresh-token rotation on PostgreSQL: one PL/pgSQL function (schema migration 2), so a rotation is one statement
/// and one round trip. Why a function rather than one statement with data-modifying CTEs: every CTE of a statement
/// reads one snapshot, so the family's removal would miss a successor committed while the statement waited for the
/// presented row's lock; each statement of a (volatile) function under READ COMMITTED takes a new snapshot.
/// `SET search_path FROM CURRENT` pins the function to the schema it was created in.
enum PostgresRefreshRotation {
    static let function = #"""
        CREATE OR REPLACE FUNCTION identity_storage_rotate_refresh_token(
            p_key text, p_now bigint, p_grace bigint, p_max_reuse integer,
            s_key text, s_type text, s_subject_id text, s_session_id text, s_client_id text, s_description text,
            s_creation_time bigint, s_expiration bigint, s_data text)
        RETURNS TABLE (o_outcome text, o_removed integer, o_family text, o_key text, o_type text, o_subject_id text,
            o_session_id text, o_client_id text, o_description text, o_creation_time bigint, o_expiration bigint,
            o_consumed_time bigint, o_data text, o_family_id text, o_successor_key text, o_reuse_count integer)
        LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT AS $rotate$
        DECLARE
            g persisted_grants%ROWTYPE;
            fam text;
            n integer;
        BEGIN
            o_removed := 0;
            -- The common case in one statement: a live, unconsumed token of the successor's client is consumed. A row
            -- another rotation holds is waited for and re-checked on what that one left (then it falls through).
            UPDATE persisted_grants AS t SET consumed_time = p_now, family_id = coalesce(t.family_id, t.key), successor_key = s_key
                WHERE t.key = p_key COLLATE "C" AND t.consumed_time IS NULL AND t.client_id = s_client_id COLLATE "C"
                    AND (t.expiration IS NULL OR t.expiration > p_now)
                RETURNING t.* INTO g;
            IF FOUND THEN
                fam := g.family_id;
                o_family := fam;
                o_outcome := 'r';
            ELSE
                SELECT * INTO g FROM persisted_grants AS t WHERE t.key = p_key COLLATE "C" FOR UPDATE;
                IF NOT FOUND OR g.client_id <> s_client_id COLLATE "C" OR (g.expiration IS NOT NULL AND g.expiration <= p_now) THEN
                    o_outcome := 'n';
                    RETURN NEXT;
                    RETURN;
                END IF;
                fam := coalesce(g.family_id, g.key);
                o_family := fam;
                IF g.consumed_time IS NULL THEN
                    UPDATE persisted_grants AS t SET consumed_time = p_now, family_id = fam, successor_key = s_key
                        WHERE t.key = p_key COLLATE "C" RETURNING t.* INTO g;
                    o_outcome := 'r';
                ELSIF p_now - g.consumed_time < p_grace AND g.reuse_count < p_max_reuse THEN
                    UPDATE persisted_grants AS t SET reuse_count = t.reuse_count + 1, family_id = fam, successor_key = s_key
                        WHERE t.key = p_key COLLATE "C" RETURNING t.* INTO g;
                    o_outcome := 'g';
                ELSE
                    -- Pass after pass: a successor committed while a pass waited for a member's lock is seen by the next.
                    LOOP
                        DELETE FROM persisted_grants AS t WHERE t.family_id = fam COLLATE "C";
                        GET DIAGNOSTICS n = ROW_COUNT;
                        o_removed := o_removed + n;
                        DELETE FROM persisted_grants AS t WHERE t.key = fam COLLATE "C" AND t.family_id IS NULL;
                        GET DIAGNOSTICS n = ROW_COUNT;
                        o_removed := o_removed + n;
                        EXIT WHEN NOT EXISTS (SELECT 1 FROM persisted_grants AS t WHERE t.family_id = fam COLLATE "C");
                    END LOOP;
                    o_outcome := 'd';
                    RETURN NEXT;
                    RETURN;
                END IF;
            END IF;
            INSERT INTO persisted_grants AS t (key, type, subject_id, session_id, client_id, description, creation_time, expiration,
                consumed_time, data, family_id, successor_key, reuse_count)
            VALUES (s_key, s_type, s_subject_id, s_session_id, s_client_id, s_description, s_creation_time, s_expiration,
                NULL, s_data, fam, NULL, 0)
            ON CONFLICT (key) DO UPDATE SET type = excluded.type, subject_id = excluded.subject_id, session_id = excluded.session_id,
                client_id = excluded.client_id, description = excluded.description, creation_time = excluded.creation_time,
                expiration = excluded.expiration, consumed_time = NULL, data = excluded.data, family_id = excluded.family_id,
                successor_key = NULL, reuse_count = 0;
            o_key := g.key; o_type := g.type; o_subject_id := g.subject_id; o_session_id := g.session_id;
            o_client_id := g.client_id; o_description := g.description; o_creation_time := g.creation_time;
            o_expiration := g.expiration; o_consumed_time := g.consumed_time; o_data := g.data; o_family_id := g.family_id;
            o_successor_key := g.successor_key; o_reuse_count := g.reuse_count;
            RETURN NEXT;
        END
        $rotate$
        """#

    /// The call (see ``SQLDialect/RefreshRotationStyle/routine(call:)``).
    static let call = """
        SELECT * FROM identity_storage_rotate_refresh_token($1::text, $2::bigint, $3::bigint, $4::integer, $5::text, $6::text, $7::text, \
        $8::text, $9::text, $10::text, $11::bigint, $12::bigint, $13::text)
        """
}
