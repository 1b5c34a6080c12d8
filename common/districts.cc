#include "common/districts.h"

#include <array>

namespace screening {
namespace {

constexpr std::array<District, 18> kDistricts = {{
    {"230102", "道里区", "Daoli", DistrictKind::kDistrict, 923762},
    {"230103", "南岗区", "Nangang", DistrictKind::kDistrict, 1343857},
    {"230104", "道外区", "Daowai", DistrictKind::kDistrict, 906421},
    {"230108", "平房区", "Pingfang", DistrictKind::kDistrict, 190253},
    {"230109", "松北区", "Songbei", DistrictKind::kDistrict, 236848},
    {"230110", "香坊区", "Xiangfang", DistrictKind::kDistrict, 916408},
    {"230111", "呼兰区", "Hulan", DistrictKind::kDistrict, 764534},
    {"230112", "阿城区", "Acheng", DistrictKind::kDistrict, 596856},
    {"230113", "双城区", "Shuangcheng", DistrictKind::kDistrict, 825634},
    {"230123", "依兰县", "Yilan", DistrictKind::kCounty, 388319},
    {"230124", "方正县", "Fangzheng", DistrictKind::kCounty, 203853},
    {"230125", "宾县", "Binxian", DistrictKind::kCounty, 551271},
    {"230126", "巴彦县", "Bayan", DistrictKind::kCounty, 590555},
    {"230127", "木兰县", "Mulan", DistrictKind::kCounty, 277685},
    {"230128", "通河县", "Tonghe", DistrictKind::kCounty, 210650},
    {"230129", "延寿县", "Yanshou", DistrictKind::kCounty, 242455},
    {"230183", "尚志市", "Shangzhi", DistrictKind::kCountyLevelCity, 585386},
    {"230184", "五常市", "Wuchang", DistrictKind::kCountyLevelCity, 881224},
}};

}  // namespace

std::span<const District> HarbinDistricts() { return kDistricts; }

const District* FindDistrict(absl::string_view code) {
  for (const District& d : kDistricts) {
    if (d.code == code) return &d;
  }
  return nullptr;
}

}  // namespace screening
