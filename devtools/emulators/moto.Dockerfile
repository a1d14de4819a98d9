# moto's server as the DynamoDB (and DynamoDB Streams) endpoint of the compose stack, served as by `make up`:
# through our launcher (moto_server.py: DynamoDB-like serialised transactions) with the pinned, hashed
# requirements of devtools/emulators/moto.txt. LocalStack's own DynamoDB downloads Java at run time.
#   docker build -f devtools/emulators/moto.Dockerfile -t shop-moto .

FROM python:3.13-slim
COPY devtools/emulators/moto.txt /tmp/moto.txt
RUN pip install --no-cache-dir --root-user-action=ignore --require-hashes -r /tmp/moto.txt && rm /tmp/moto.txt \
 && groupadd --system --gid 10001 moto && useradd --system --uid 10001 --gid moto --no-create-home moto
COPY devtools/emulators/moto_server.py /opt/moto/moto_server.py
USER 10001:10001
EXPOSE 4567
HEALTHCHECK --interval=5s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:4567/moto-api/', timeout=2)"
ENTRYPOINT ["python", "/opt/moto/moto_server.py"]
CMD ["-H", "0.0.0.0", "-p", "4567"]
