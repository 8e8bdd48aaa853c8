"""A stored report never changes: the database refuses to update a report
file's row (and, on PostgreSQL, to delete it; SQLite's test-database flush
empties tables with DELETE, so that one stays allowed there). Regenerating a
report is a new job with its own file."""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION reports_reportfile_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'stored report files are immutable';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER reports_reportfile_immutable BEFORE UPDATE OR DELETE ON reports_reportfile
    FOR EACH ROW EXECUTE FUNCTION reports_reportfile_immutable();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS reports_reportfile_immutable ON reports_reportfile;
DROP FUNCTION IF EXISTS reports_reportfile_immutable();
"""
SQLITE_UP = """
CREATE TRIGGER reports_reportfile_immutable BEFORE UPDATE ON reports_reportfile
BEGIN
    SELECT RAISE(ABORT, 'stored report files are immutable');
END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS reports_reportfile_immutable;"


def _run(sql_by_vendor):
    def run(apps, schema_editor):
        sql = sql_by_vendor.get(schema_editor.connection.vendor)
        if sql:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_pipeline")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        ),
    ]
