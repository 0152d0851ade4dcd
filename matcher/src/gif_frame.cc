#include "gif_frame.h"

#include <gif_lib.h>

#include <cstring>
#include <vector>

namespace tdm::matcher {
namespace {

struct Reader {
  std::span<const uint8_t> bytes;
  size_t at = 0;
};

int Read(GifFileType* gif, GifByteType* out, int n) {
  auto* r = static_cast<Reader*>(gif->UserData);
  const size_t take = std::min<size_t>(static_cast<size_t>(n), r->bytes.size() - r->at);
  std::memcpy(out, r->bytes.data() + r->at, take);
  r->at += take;
  return static_cast<int>(take);
}

struct Closer {
  void operator()(GifFileType* gif) const {
    int error = 0;
    DGifCloseFile(gif, &error);
  }
};

// Reads extensions up to the first image, remembering the transparent colour.
bool SkipToFirstImage(GifFileType* gif, int* transparent, std::string* why) {
  while (true) {
    GifRecordType type;
    if (DGifGetRecordType(gif, &type) == GIF_ERROR) {
      *why = "GIF record unreadable";
      return false;
    }
    if (type == IMAGE_DESC_RECORD_TYPE) return true;
    if (type == TERMINATE_RECORD_TYPE) {
      *why = "GIF has no frame";
      return false;
    }
    if (type != EXTENSION_RECORD_TYPE) continue;
    int code = 0;
    GifByteType* ext = nullptr;
    if (DGifGetExtension(gif, &code, &ext) == GIF_ERROR) {
      *why = "GIF extension unreadable";
      return false;
    }
    if (code == GRAPHICS_EXT_FUNC_CODE && ext != nullptr) {
      GraphicsControlBlock gcb;
      if (DGifExtensionToGCB(ext[0], ext + 1, &gcb) == GIF_OK) {
        *transparent = gcb.TransparentColor;
      }
    }
    while (ext != nullptr) {
      if (DGifGetExtensionNext(gif, &ext) == GIF_ERROR) {
        *why = "GIF extension unreadable";
        return false;
      }
    }
  }
}

}  // namespace

bool DecodeFirstGifFrame(std::span<const uint8_t> bytes, cv::Mat* bgr, std::string* why) {
  Reader reader{bytes};
  int error = 0;
  std::unique_ptr<GifFileType, Closer> gif(DGifOpen(&reader, Read, &error));
  if (!gif) {
    *why = std::string("GIF unreadable: ") + GifErrorString(error);
    return false;
  }
  const int width = gif->SWidth, height = gif->SHeight;
  if (width <= 0 || height <= 0) {
    *why = "GIF screen has no size";
    return false;
  }
  int transparent = NO_TRANSPARENT_COLOR;
  if (!SkipToFirstImage(gif.get(), &transparent, why)) return false;
  if (DGifGetImageDesc(gif.get()) == GIF_ERROR) {
    *why = "GIF frame descriptor unreadable";
    return false;
  }
  const GifImageDesc& desc = gif->Image;
  const ColorMapObject* map = desc.ColorMap ? desc.ColorMap : gif->SColorMap;
  if (map == nullptr || desc.Width <= 0 || desc.Height <= 0) {
    *why = "GIF frame has no colour map or no size";
    return false;
  }
  cv::Scalar background(0, 0, 0);
  if (gif->SColorMap && gif->SBackGroundColor < gif->SColorMap->ColorCount) {
    const GifColorType& c = gif->SColorMap->Colors[gif->SBackGroundColor];
    background = cv::Scalar(c.Blue, c.Green, c.Red);
  }
  bgr->create(height, width, CV_8UC3);
  bgr->setTo(background);
  std::vector<GifPixelType> line(desc.Width);
  // Interlaced frames store rows in four passes.
  std::vector<int> rows;
  if (desc.Interlace) {
    for (auto [start, step] : {std::pair{0, 8}, {4, 8}, {2, 4}, {1, 2}}) {
      for (int y = start; y < desc.Height; y += step) rows.push_back(y);
    }
  } else {
    for (int y = 0; y < desc.Height; ++y) rows.push_back(y);
  }
  for (int y : rows) {
    if (DGifGetLine(gif.get(), line.data(), desc.Width) == GIF_ERROR) {
      *why = "GIF frame cut short";
      return false;
    }
    const int screen_y = desc.Top + y;
    if (screen_y < 0 || screen_y >= height) continue;
    auto* out = bgr->ptr<uint8_t>(screen_y);
    for (int x = 0; x < desc.Width; ++x) {
      const int screen_x = desc.Left + x;
      if (screen_x < 0 || screen_x >= width) continue;
      const int index = line[x];
      if (index == transparent || index >= map->ColorCount) continue;
      const GifColorType& c = map->Colors[index];
      out[3 * screen_x] = c.Blue;
      out[3 * screen_x + 1] = c.Green;
      out[3 * screen_x + 2] = c.Red;
    }
  }
  return true;
}

}  // namespace tdm::matcher
