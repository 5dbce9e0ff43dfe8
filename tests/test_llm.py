"""The LiteLLM Router from a YAML file: aliases, fallbacks, and the error that means "delayed"."""
import pytest
from fakellm import Reply

from graders import LLMClient, LLMError, LLMSettings


def write_config(tmp_path, server, with_target=False):
    text = f"""
model_list:
  - model_name: grader
    litellm_params: {{model: openai/broken, api_base: "{server.url}", api_key: k}}
  - model_name: grader-fallback
    litellm_params: {{model: openai/judge, api_base: "{server.url}", api_key: k}}
"""
    if with_target:
        text += f"""  - model_name: target
    litellm_params: {{model: openai/small, api_base: "{server.url}", api_key: k}}
"""
    text += """router_settings:
  fallbacks: [{grader: [grader-fallback]}]
  num_retries: 0
  timeout: 5
"""
    path = tmp_path / "router.yaml"
    path.write_text(text)
    return str(path)


def test_router_yaml_falls_back_to_the_next_deployment(tmp_path, llm_server):
    llm_server.script(Reply(status=500, content="primary down"), model="broken")
    llm_server.script(Reply(content="from the fallback"), model="judge")
    client = LLMClient(LLMSettings(config_path=write_config(tmp_path, llm_server)))
    assert client.configured
    result = client.complete("grader", [{"role": "user", "content": "hi"}])
    assert result.text == "from the fallback"
    assert [r["model"] for r in llm_server.requests] == ["broken", "judge"]


def test_target_alias_defaults_to_the_grader_deployments(tmp_path, llm_server):
    llm_server.default = Reply(content="same model")
    client = LLMClient(LLMSettings(config_path=write_config(tmp_path, llm_server)))
    assert client.complete("target", [{"role": "user", "content": "x"}]).text == "same model"
    client = LLMClient(LLMSettings(config_path=write_config(tmp_path, llm_server, with_target=True)))
    client.complete("target", [{"role": "user", "content": "x"}])
    assert llm_server.requests[-1]["model"] == "small"


def test_a_config_without_grader_is_refused(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("model_list:\n  - model_name: other\n    litellm_params: {model: openai/x}\n")
    with pytest.raises(LLMError, match="model_name 'grader'"):
        LLMClient(LLMSettings(config_path=str(path))).complete("grader", [{"role": "user", "content": "x"}])


def test_settings_from_environment():
    s = LLMSettings.from_env({"LMS_GRADER_MODEL": "mistral/mistral-large-latest",
                              "LMS_LLM_TIMEOUT": "12", "LMS_LLM_RETRIES": "4"})
    assert s.configured and s.timeout == 12 and s.num_retries == 4
    args = s.router_arguments()
    assert [d["model_name"] for d in args["model_list"]] == ["grader", "target"]
    assert args["model_list"][1]["litellm_params"]["model"] == "mistral/mistral-large-latest"
    assert not LLMSettings.from_env({}).configured


def test_a_timeout_is_an_llm_error(llm_server):
    llm_server.default = Reply(content="late", delay=3)
    client = LLMClient(LLMSettings(grader_model="openai/judge", api_base=llm_server.url, api_key="k",
                                   timeout=0.5, num_retries=0))
    with pytest.raises(LLMError, match="Timeout"):
        client.complete("grader", [{"role": "user", "content": "x"}])
