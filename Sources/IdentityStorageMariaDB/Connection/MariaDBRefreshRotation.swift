import IdentityStorageSQL

/// Refresh-token rotation on MariaDB: one stored procedure (schema migration 3), called as one prepared `CALL`, so a
/// rotation is one round trip (MariaDB has no `UPDATE … RETURNING`, and a transaction of separate statements would be
/// four). `SQL SECURITY INVOKER`: it runs with the caller's privileges on the tables (and needs `EXECUTE`, which
/// `GRANT ALL ON db.*` includes). It reads the presented row `FOR UPDATE`, decides, writes and answers one row before
/// `COMMIT`, under the row's lock; an error rolls back and is raised again (a deadlock is retried by the connection).
enum MariaDBRefreshRotation {
    private static let key = MariaDBSchema.key
    private static let text = "TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin"
    private static let longText = "LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin"

    static let procedure = """
        CREATE OR REPLACE PROCEDURE identity_storage_rotate_refresh_token(
            IN p_key \(key), IN p_now BIGINT, IN p_grace BIGINT, IN p_max_reuse INT,
            IN s_key \(key), IN s_type \(key), IN s_subject_id \(key), IN s_session_id \(key), IN s_client_id \(key),
            IN s_description \(text), IN s_creation_time BIGINT, IN s_expiration BIGINT, IN s_data \(longText))
        MODIFIES SQL DATA
        SQL SECURITY INVOKER
        BEGIN
            DECLARE v_found INT DEFAULT 1;
            DECLARE v_family \(key);
            DECLARE v_client \(key);
            DECLARE v_expiration BIGINT;
            DECLARE v_consumed BIGINT;
            DECLARE v_reuse INT;
            DECLARE v_outcome CHAR(1) DEFAULT 'n';
            DECLARE v_removed INT DEFAULT 0;
            DECLARE v_pass INT DEFAULT 0;
            DECLARE CONTINUE HANDLER FOR NOT FOUND SET v_found = 0;
            DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END;
            START TRANSACTION;
            SELECT coalesce(family_id, `key`), client_id, expiration, consumed_time, reuse_count
                INTO v_family, v_client, v_expiration, v_consumed, v_reuse
                FROM persisted_grants WHERE `key` = p_key FOR UPDATE;
            IF v_found = 1 AND v_client = s_client_id AND (v_expiration IS NULL OR v_expiration > p_now) THEN
                IF v_consumed IS NULL THEN
                    UPDATE persisted_grants SET consumed_time = p_now, family_id = v_family, successor_key = s_key WHERE `key` = p_key;
                    SET v_outcome = 'r';
                ELSEIF p_now - v_consumed < p_grace AND v_reuse < p_max_reuse THEN
                    UPDATE persisted_grants SET reuse_count = reuse_count + 1, family_id = v_family, successor_key = s_key
                        WHERE `key` = p_key;
                    SET v_outcome = 'g';
                ELSE
                    -- Pass after pass: a successor committed while a pass waited for a member's lock is seen by the next.
                    REPEAT
                        DELETE FROM persisted_grants WHERE family_id = v_family;
                        SET v_pass = ROW_COUNT();
                        DELETE FROM persisted_grants WHERE `key` = v_family AND family_id IS NULL;
                        SET v_pass = v_pass + ROW_COUNT();
                        SET v_removed = v_removed + v_pass;
                    UNTIL v_pass = 0 END REPEAT;
                    SET v_outcome = 'd';
                END IF;
                IF v_outcome IN ('r', 'g') THEN
                    INSERT INTO persisted_grants(`key`, type, subject_id, session_id, client_id, description, creation_time, expiration,
                        consumed_time, data, family_id, successor_key, reuse_count)
                    VALUES (s_key, s_type, s_subject_id, s_session_id, s_client_id, s_description, s_creation_time, s_expiration,
                        NULL, s_data, v_family, NULL, 0)
                    ON DUPLICATE KEY UPDATE type = VALUES(type), subject_id = VALUES(subject_id), session_id = VALUES(session_id),
                        client_id = VALUES(client_id), description = VALUES(description), creation_time = VALUES(creation_time),
                        expiration = VALUES(expiration), consumed_time = NULL, data = VALUES(data), family_id = VALUES(family_id),
                        successor_key = NULL, reuse_count = 0;
                END IF;
            END IF;
            SELECT v_outcome, v_removed, v_family, g.`key`, g.type, g.subject_id, g.session_id, g.client_id, g.description,
                    g.creation_time, g.expiration, g.consumed_time, g.data, g.family_id, g.successor_key, g.reuse_count
                FROM (SELECT 1 AS one) AS answer LEFT JOIN persisted_grants AS g ON g.`key` = p_key AND v_outcome IN ('r', 'g');
            COMMIT;
        END
        """

    /// The call (see ``SQLDialect/RefreshRotationStyle/routine(call:)``).
    static let call = "CALL identity_storage_rotate_refresh_token(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
}
