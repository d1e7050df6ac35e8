"""The two install routes (pip's requirements.txt, conda's environment.yml) pin the same versions."""
import re

from paperlib.paths import ROOT


def pins(text):
    return dict(re.findall(r"^\s*(?:-\s*)?([A-Za-z0-9_.\-]+)==([^\s#]+)\s*$", text, re.M))


def test_environment_yml_pins_what_requirements_txt_pins():
    requirements = pins((ROOT / "requirements.txt").read_text())
    environment = pins((ROOT / "environment.yml").read_text())
    assert requirements == environment
    for name in ("torch", "torchvision", "hyperopt", "hpbandster", "papermill", "scikit-learn", "pytest"):
        assert name in requirements, name
    assert requirements["torch"] == "2.14.1" and requirements["hyperopt"] == "0.3.0"
