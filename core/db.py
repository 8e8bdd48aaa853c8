"""Database-level guards shared by migrations."""

from django.db import migrations


def refuse_changes(table: str, message: str) -> migrations.RunPython:
    """A migration operation whose trigger makes the rows of `table` write-once:
    PostgreSQL refuses UPDATE and DELETE; SQLite refuses UPDATE (its test-database
    flush empties tables with DELETE, so that one stays allowed there)."""
    name = f"{table}_write_once"
    sql_up = {
        "postgresql": f"""
            CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{message}';
            END;
            $$ LANGUAGE plpgsql;
            CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {name}();
        """,
        "sqlite": f"""
            CREATE TRIGGER {name} BEFORE UPDATE ON {table}
            BEGIN
                SELECT RAISE(ABORT, '{message}');
            END;
        """,
    }
    sql_down = {
        "postgresql": f"DROP TRIGGER IF EXISTS {name} ON {table}; DROP FUNCTION IF EXISTS {name}();",
        "sqlite": f"DROP TRIGGER IF EXISTS {name};",
    }

    def run(statements):
        def apply(apps, schema_editor):
            sql = statements.get(schema_editor.connection.vendor)
            if sql:
                schema_editor.execute(sql)

        return apply

    return migrations.RunPython(run(sql_up), run(sql_down))


# The session setting that lets one transaction empty a guarded table: only the
# guarded `flush` command sets it (SET LOCAL), and only when the test settings
# allow it, so that test runners can empty the test database between tests.
TRUNCATE_BYPASS = "fondas.allow_audit_truncate"


def refuse_truncate(table: str, message: str) -> migrations.RunPython:
    """A migration operation whose statement-level trigger makes PostgreSQL refuse
    TRUNCATE of `table` (row triggers do not see TRUNCATE), unless the transaction
    has set TRUNCATE_BYPASS to 'on'. SQLite has no TRUNCATE; `flush` guards it."""
    name = f"{table}_no_truncate"
    sql_up = f"""
        CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
        BEGIN
            IF current_setting('{TRUNCATE_BYPASS}', true) = 'on' THEN
                RETURN NULL;
            END IF;
            RAISE EXCEPTION '{message}';
        END;
        $$ LANGUAGE plpgsql;
        CREATE TRIGGER {name} BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION {name}();
    """
    sql_down = f"DROP TRIGGER IF EXISTS {name} ON {table}; DROP FUNCTION IF EXISTS {name}();"

    def run(sql):
        def apply(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(sql)

        return apply

    return migrations.RunPython(run(sql_up), run(sql_down))
