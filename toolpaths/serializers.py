from rest_framework import serializers

from feasibility.serializers import FeasibilityResponseSerializer


class HashesSerializer(serializers.Serializer):
    feasibility_sha256 = serializers.CharField()
    toolpaths_sha256 = serializers.CharField()
    gcode_sha256 = serializers.CharField()


class ToolpathsResponseSerializer(serializers.Serializer):
    run_id = serializers.CharField()
    _run_id = serializers.CharField()
    mode = serializers.CharField()
    gcode_text = serializers.CharField()
    toolpaths = serializers.JSONField(help_text="Move counts, cut length, bounds, estimated time.")
    authoritative_feasibility = FeasibilityResponseSerializer()
    _hashes = HashesSerializer()
    discarded_client_fields = serializers.ListField(child=serializers.CharField())
