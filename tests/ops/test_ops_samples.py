"""The sample Prometheus config and Grafana dashboard in ops/ fit the stack as `make run` starts it.
(That every metric the dashboard names is exported is checked on the running stack: tests/e2e/test_metrics.py.)"""

from __future__ import annotations

import json

import yaml

from infra.settings import REPO_ROOT, load_settings

OPS = REPO_ROOT / "ops"


def test_the_scrape_config_reads_each_process_on_its_default_port_with_the_generated_token():
    config = yaml.safe_load((OPS / "prometheus.yml").read_text(encoding="utf-8"))
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    defaults = load_settings({"EMBEDDING_MODEL": "unused"})
    ports = {"support-rasa": defaults.rasa_port, "support-actions": defaults.action_port,
             "support-desk": defaults.desk_port}
    assert set(jobs) == set(ports)
    for name, job in jobs.items():
        assert job["static_configs"] == [{"targets": [f"localhost:{ports[name]}"]}]
        # Prometheus reads a relative credentials_file from the config file's folder.
        token_file = (OPS / job["authorization"]["credentials_file"]).resolve()
        assert token_file == (defaults.data_dir / "metrics_token").resolve()


def test_the_dashboard_queries_prometheus_with_one_datasource_and_distinct_panels():
    dashboard = json.loads((OPS / "grafana" / "support-assistant.json").read_text(encoding="utf-8"))
    panels = dashboard["panels"]
    assert len({panel["id"] for panel in panels}) == len(panels)
    queried = [panel for panel in panels if panel["type"] != "row"]
    assert queried and all(panel["targets"] and panel["datasource"]["uid"] == "${datasource}" for panel in queried)
    assert [variable["name"] for variable in dashboard["templating"]["list"]] == ["datasource"]
