from gateway.app import create_app
from gateway.settings import GatewaySettings
from servicekit.serve import serve

if __name__ == "__main__":
    settings = GatewaySettings()
    serve(create_app(settings), settings)
