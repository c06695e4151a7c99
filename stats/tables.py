"""django-tables2 tables built from a figure's columns, used for the CSV/XLSX export."""

import django_tables2 as tables


def table_for(figure, rows):
    attrs = {key: tables.Column(verbose_name=str(header)) for key, header in figure.columns}
    attrs["Meta"] = type("Meta", (), {"orderable": False})
    table_class = type(f"{figure.key}_table", (tables.Table,), attrs)
    return table_class(rows)
