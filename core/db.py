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
