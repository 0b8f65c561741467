from preprocessor.app import create_app
from preprocessor.settings import PreprocessorSettings
from servicekit.serve import serve

if __name__ == "__main__":
    settings = PreprocessorSettings()
    serve(create_app(settings), settings)
