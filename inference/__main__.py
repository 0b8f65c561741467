from inference.app import create_app
from inference.settings import InferenceSettings
from servicekit.serve import serve

if __name__ == "__main__":
    settings = InferenceSettings()
    serve(create_app(settings), settings)
